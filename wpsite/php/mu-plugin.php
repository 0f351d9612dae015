<?php
/**
 * Plugin Name: Crawler test site
 * Description: Makes the throw-away test WordPress hermetic and gives it the content
 * types the crawler is tested on. Copied to wp-content/mu-plugins/ by wpsite.
 */

defined( 'ABSPATH' ) || exit;

/*
 * Permalink mode per server. The three servers share one database; each runs with
 * WPT_PERMALINKS in its environment and sees its own permalink_structure. Rewrite rules
 * are cached per mode so the servers never overwrite each other's rules.
 */
const WPT_PERMALINK_STRUCTURES = array(
	'plain'    => '',
	'pathinfo' => '/index.php/%year%/%monthnum%/%postname%/',
	'pretty'   => '/%year%/%monthnum%/%postname%/',
);

function wpt_mode() {
	$mode = getenv( 'WPT_PERMALINKS' );
	return isset( WPT_PERMALINK_STRUCTURES[ $mode ] ) ? $mode : 'pretty';
}

add_filter(
	'pre_option_permalink_structure',
	static function () {
		return WPT_PERMALINK_STRUCTURES[ wpt_mode() ];
	}
);
add_filter(
	'pre_option_rewrite_rules',
	static function () {
		// An empty array (not false) short-circuits the shared option; empty rules
		// make WordPress regenerate them, which lands in the filter below.
		return get_option( 'wpt_rewrite_rules_' . wpt_mode(), array() );
	}
);
add_filter(
	'pre_update_option_rewrite_rules',
	static function ( $value, $old_value ) {
		update_option( 'wpt_rewrite_rules_' . wpt_mode(), $value, false );
		return $old_value; // Unchanged, so the shared option is never written.
	},
	10,
	2
);

/** Forget every mode's cached rules (after new types or taxonomies appear). */
function wpt_forget_rewrite_rules() {
	foreach ( array_keys( WPT_PERMALINK_STRUCTURES ) as $mode ) {
		delete_option( 'wpt_rewrite_rules_' . $mode );
	}
}

/*
 * No outbound traffic: only 127.0.0.1 and localhost may be fetched, and nothing at all
 * while installing (wp_install() probes the site itself with 5 s timeouts).
 */
add_filter(
	'pre_http_request',
	static function ( $response, $args, $url ) {
		$host = strtolower( (string) wp_parse_url( $url, PHP_URL_HOST ) );
		if ( defined( 'WPT_INSTALLING' ) || ! in_array( $host, array( '127.0.0.1', 'localhost' ), true ) ) {
			return new WP_Error( 'wpt_http_blocked', "Outbound HTTP is blocked on the test site: $url" );
		}
		return $response;
	},
	10,
	3
);

// Mail goes nowhere (there is no sendmail).
add_filter( 'pre_wp_mail', '__return_true' );
if ( ! function_exists( 'wp_new_blog_notification' ) ) {
	function wp_new_blog_notification( $blog_title, $blog_url, $user_id, $password ) {}
}

// No pings, enclosures, update checks or cron chatter.
remove_action( 'do_pings', 'do_all_pings', 10 );
add_filter( 'pre_option_ping_sites', '__return_empty_string' );
remove_action( 'init', 'wp_schedule_update_checks' );
remove_action( 'admin_init', '_maybe_update_core' );
remove_action( 'admin_init', '_maybe_update_plugins' );
remove_action( 'admin_init', '_maybe_update_themes' );
remove_action( 'init', 'wp_schedule_https_detection' );
add_filter( 'enable_loopback_requests', '__return_false' );

// No emoji script and no s.w.org dns-prefetch in <head>.
remove_action( 'wp_head', 'print_emoji_detection_script', 7 );
remove_action( 'wp_print_styles', 'print_emoji_styles' );
remove_action( 'admin_print_scripts', 'print_emoji_detection_script' );
remove_action( 'admin_print_styles', 'print_emoji_styles' );
add_filter( 'emoji_svg_url', '__return_false' );

/*
 * Avatars are local files (written by the seeder), so REST avatar_urls stay on the
 * site's own host instead of pointing at gravatar.com.
 */
add_filter(
	'pre_get_avatar_data',
	static function ( $args, $id_or_email ) {
		$key = $id_or_email;
		if ( $id_or_email instanceof WP_User ) {
			$key = $id_or_email->ID;
		} elseif ( $id_or_email instanceof WP_Post ) {
			$key = $id_or_email->post_author;
		} elseif ( $id_or_email instanceof WP_Comment ) {
			$key = $id_or_email->comment_author_email;
		}
		$uploads           = wp_upload_dir( null, false );
		$number            = abs( crc32( (string) $key ) ) % 6;
		$args['url']       = $uploads['baseurl'] . "/avatars/avatar-$number.png?s=" . (int) $args['size'];
		$args['found_avatar'] = true;
		return $args;
	},
	10,
	2
);

/*
 * A custom post type with its own taxonomy, as real sites have (WooCommerce, events
 * calendars): crawled through /wp/v2/types, rest_base "events".
 */
add_action(
	'init',
	static function () {
		register_post_type(
			'event',
			array(
				'label'        => 'Events',
				'labels'       => array( 'singular_name' => 'Event' ),
				'public'       => true,
				'has_archive'  => true,
				'show_in_rest' => true,
				'rest_base'    => 'events',
				'rewrite'      => array( 'slug' => 'events' ),
				'supports'     => array( 'title', 'editor', 'excerpt', 'author', 'thumbnail', 'custom-fields' ),
				'taxonomies'   => array( 'venue' ),
			)
		);
		register_taxonomy(
			'venue',
			array( 'event' ),
			array(
				'label'        => 'Venues',
				'labels'       => array( 'singular_name' => 'Venue' ),
				'public'       => true,
				'hierarchical' => false,
				'show_in_rest' => true,
				'rest_base'    => 'venues',
				'rewrite'      => array( 'slug' => 'venue' ),
			)
		);
		register_post_meta(
			'event',
			'event_start',
			array(
				'type'         => 'string',
				'single'       => true,
				'show_in_rest' => true,
			)
		);
	}
);
