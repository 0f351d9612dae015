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

/*
 * Switches for the REST-off tests, read on every request so the three servers change
 * together and nothing restarts (WordPressSite.rest_blocked() sets them).
 *
 * Option wpt_rest_block:
 *   "all"   - what the Disable REST API plugin (dmchale/disable-json-api) does for anonymous
 *             visitors with its default settings: rest_authentication_errors at priority 20
 *             returns rest_cannot_access with rest_authorization_required_code() (401) on
 *             every route, the index included. Like the plugin, it leaves the
 *             Link: rel="https://api.w.org/" header and the <link> in <head> alone.
 *   "users" - Wordfence's "Prevent discovery of usernames through ... the WP REST API"
 *             (loginSec_disableAuthorScan): rest_request_before_callbacks at priority 99
 *             answers 401 rest_user_cannot_view on the users collection and 404
 *             rest_user_invalid_id on a single user, adds "Allow: GET", removes the users
 *             provider from the core sitemap, and answers ?author=N with the theme's 404
 *             (its preventAuthorNScans). /author/<slug>/ archives and every other route
 *             stay open.
 *   "content" - Solid (iThemes) Security's "Restricted Access" as anonymous visitors meet it:
 *             the index answers, every wp/v2 route answers 401
 *             itsec_rest_api_access_restricted (rest_pre_dispatch).
 *   "429"   - a rate limiter in front of the REST API: 429 with Retry-After on every REST
 *             request, in every spelling; HTML pages, feeds and sitemaps stay open.
 * Option wpt_fail_post (a post id): that post's own page answers 500 (its REST record,
 * feed entry and sitemap URL stay), like a template that crashes on one post.
 *
 * The "wall" switch (a WAF page on the REST paths) lives in router.php, before WordPress.
 */
function wpt_rest_block() {
	return (string) get_option( 'wpt_rest_block', '' );
}

add_filter(
	'rest_pre_dispatch',
	static function ( $result, $server, $request ) {
		if ( 'content' !== wpt_rest_block() || is_user_logged_in() ) {
			return $result;
		}
		if ( ! preg_match( '~^/wp/v2(/|$)~', $request->get_route() ) ) {
			return $result;
		}
		return new WP_Error(
			'itsec_rest_api_access_restricted',
			'You do not have sufficient permission to access this endpoint. Access to REST API requests is restricted by Solid Security settings.',
			array( 'status' => rest_authorization_required_code() )
		);
	},
	10,
	3
);

add_filter(
	'rest_authentication_errors',
	static function ( $access ) {
		if ( 'all' !== wpt_rest_block() || is_user_logged_in() ) {
			return $access;
		}
		$message = 'DRA: Only authenticated users can access the REST API.';
		$data    = array( 'status' => rest_authorization_required_code() );
		if ( is_wp_error( $access ) ) {
			$access->add( 'rest_cannot_access', $message, $data );
			return $access;
		}
		return new WP_Error( 'rest_cannot_access', $message, $data );
	},
	20
);

add_filter(
	'rest_request_before_callbacks',
	static function ( $response, $handler, $request ) {
		if ( 'users' !== wpt_rest_block() || current_user_can( 'list_users' ) ) {
			return $response;
		}
		$route = $request->get_route();
		if ( preg_match( '~/wp/v2/users/*$~i', $route ) ) {
			$error = new WP_Error( 'rest_user_cannot_view', 'Sorry, you are not allowed to list users.', array( 'status' => rest_authorization_required_code() ) );
		} elseif ( preg_match( '~/wp/v2/users/+(\d+)/*$~i', $route, $matches ) && get_current_user_id() !== (int) $matches[1] ) {
			$error = new WP_Error( 'rest_user_invalid_id', 'Invalid user ID.', array( 'status' => 404 ) );
		} else {
			return $response;
		}
		$GLOBALS['wpt_rest_suppressed'] = true;
		return rest_ensure_response( $error );
	},
	99,
	3
);

add_filter(
	'rest_post_dispatch',
	static function ( $response ) {
		if ( ! empty( $GLOBALS['wpt_rest_suppressed'] ) && $response instanceof WP_REST_Response ) {
			$response->header( 'Allow', 'GET' );
		}
		return $response;
	},
	99
);

add_filter(
	'wp_sitemaps_add_provider',
	static function ( $provider, $name ) {
		return ( 'users' === $name && 'users' === wpt_rest_block() ) ? false : $provider;
	},
	99,
	2
);

add_filter(
	'request',
	static function ( $query_vars ) {
		$numeric = static fn( $value ) => is_array( $value ) || is_numeric( preg_replace( '/[^0-9]/', '', (string) $value ) );
		if ( 'users' !== wpt_rest_block() || is_admin() || empty( $query_vars['author'] ) || ! $numeric( $query_vars['author'] )
			|| ! isset( $_GET['author'] ) || ! $numeric( $_GET['author'] ) ) {
			return $query_vars;
		}
		global $wp_query;
		$wp_query->set_404();
		status_header( 404 );
		nocache_headers();
		$template = get_404_template();
		if ( $template && file_exists( $template ) ) {
			include $template;
		}
		exit;
	}
);

// Before rest_api_loaded() (parse_request, priority 10) serves any REST spelling.
add_action(
	'parse_request',
	static function ( $wp ) {
		if ( '429' !== wpt_rest_block() || empty( $wp->query_vars['rest_route'] ) ) {
			return;
		}
		status_header( 429 );
		header( 'Retry-After: 1' );
		header( 'Content-Type: text/html; charset=UTF-8' );
		echo "<!DOCTYPE html>\n<title>429 Too Many Requests</title>\n<h1>Too Many Requests</h1>\n";
		exit;
	},
	0
);

add_action(
	'template_redirect',
	static function () {
		$post_id = (int) get_option( 'wpt_fail_post', 0 );
		if ( ! $post_id || ! is_singular() || get_queried_object_id() !== $post_id ) {
			return;
		}
		status_header( 500 );
		header( 'Content-Type: text/html; charset=UTF-8' );
		echo "<!DOCTYPE html>\n<title>Internal Server Error</title>\n<h1>There has been a critical error on this website.</h1>\n";
		exit;
	},
	0
);

/*
 * Option wpt_seo_meta = "yoast": pages print the metadata Yoast SEO prints, with the dates
 * computed as Yoast computes them (WordPressSite.seo_metadata() sets it):
 *   - the JSON-LD graph (src/generators/schema/webpage.php): a WebPage node whose @id and url
 *     are the canonical URL, with datePublished = post_date_gmt and dateModified =
 *     post_modified_gmt formatted by Date_Helper::format (DATE_W3C in UTC, "+00:00"), next
 *     to the WebSite node (whose url is the home page: another page; its dateModified is
 *     not Yoast's, it catches a reader that takes any node's date);
 *   - OpenGraph (src/presentations/indexable-post-type-presentation.php): og:url, no
 *     article:published_time (Yoast prints it for posts only, unless filtered), and
 *     article:modified_time only when strtotime(modified_gmt) > strtotime(date_gmt).
 */
function wpt_seo_w3c( string $gmt ): string {
	$date = date_create_immutable_from_format( 'Y-m-d H:i:s', $gmt, new DateTimeZone( 'UTC' ) );
	return $date ? $date->format( DATE_W3C ) : $gmt;
}

add_action(
	'wp_head',
	static function () {
		if ( 'yoast' !== get_option( 'wpt_seo_meta', '' ) || ! is_page() ) {
			return;
		}
		$post      = get_queried_object();
		$canonical = wp_get_canonical_url( $post );
		$home      = home_url( '/' );
		$graph     = array(
			'@context' => 'https://schema.org',
			'@graph'   => array(
				array(
					'@type'           => 'WebPage',
					'@id'             => $canonical,
					'url'             => $canonical,
					'name'            => wp_strip_all_tags( get_the_title( $post ) ),
					'isPartOf'        => array( '@id' => $home . '#website' ),
					'datePublished'   => wpt_seo_w3c( $post->post_date_gmt ),
					'dateModified'    => wpt_seo_w3c( $post->post_modified_gmt ),
					'inLanguage'      => 'en-US',
					'potentialAction' => array(
						array(
							'@type'  => 'ReadAction',
							'target' => array( $canonical ),
						),
					),
				),
				array(
					'@type'        => 'WebSite',
					'@id'          => $home . '#website',
					'url'          => $home,
					'name'         => get_bloginfo( 'name' ),
					'dateModified' => '2000-01-01T00:00:00+00:00',
					'inLanguage'   => 'en-US',
				),
			),
		);
		echo '<meta property="og:type" content="article" />' . "\n";
		echo '<meta property="og:url" content="' . esc_attr( $canonical ) . '" />' . "\n";
		if ( strtotime( $post->post_modified_gmt ) > strtotime( $post->post_date_gmt ) ) {
			echo '<meta property="article:modified_time" content="' . esc_attr( wpt_seo_w3c( $post->post_modified_gmt ) ) . '" />' . "\n";
		}
		echo '<script type="application/ld+json" class="yoast-schema-graph">'
			. wp_json_encode( $graph, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE ) . "</script>\n";
	},
	1
);

/*
 * Plugin fields, always on (issue 13), shaped as the plugins send them:
 *   - registered meta with show_in_rest: posts' "subtitle" (events' "event_start" is above);
 *   - "acf": a REST field shaped like Advanced Custom Fields' (text, an image field that
 *     returns an attachment id or false, a relationship of post ids, a group), on posts, pages,
 *     events, categories, tags, venues and users; built from the database, nothing random;
 *   - Yoast SEO's "yoast_head_json" and "yoast_head" (the same data rendered as HTML), on the
 *     same records, about as large as Yoast's own: what asking with _fields= saves.
 */
add_action(
	'init',
	static function () {
		register_post_meta(
			'post',
			'subtitle',
			array(
				'type'         => 'string',
				'single'       => true,
				'default'      => '',
				'show_in_rest' => true,
			)
		);
	}
);

function wpt_acf_post( array $data ): array {
	$id    = (int) $data['id'];
	$thumb = (int) get_post_thumbnail_id( $id );
	return array(
		'subtitle_color' => 0 === $id % 2 ? 'blue' : 'red',
		'hero_image'     => $thumb ? $thumb : false,
		'related_posts'  => array_values( array_filter( array( $id - 1, $id - 2 ), static fn( $x ) => $x > 0 ) ),
		'details'        => array(
			'rating'   => ( $id % 5 ) + 0.5,
			'featured' => 0 === $id % 3,
			'notes'    => '',
		),
	);
}

function wpt_yoast_robots(): array {
	return array(
		'index'             => 'index',
		'follow'            => 'follow',
		'max-snippet'       => 'max-snippet:-1',
		'max-image-preview' => 'max-image-preview:large',
		'max-video-preview' => 'max-video-preview:-1',
	);
}

/* The yoast_head HTML of a yoast_head_json object, as Yoast renders it (meta tags, JSON-LD). */
function wpt_yoast_head( array $head ): string {
	$html = '<!-- This site is optimized with the Yoast SEO plugin v21.0 - https://yoast.com/wordpress/plugins/seo/ -->' . "\n";
	$html .= '<title>' . esc_html( $head['title'] ) . "</title>\n";
	foreach ( $head as $name => $value ) {
		if ( is_string( $value ) && 'title' !== $name ) {
			$html .= '<meta property="' . esc_attr( str_replace( '_', ':', $name ) ) . '" content="' . esc_attr( $value ) . '" />' . "\n";
		}
	}
	$html .= '<script type="application/ld+json" class="yoast-schema-graph">' . wp_json_encode( $head['schema'] ) . "</script>\n";
	return $html . "<!-- / Yoast SEO plugin. -->\n";
}

function wpt_yoast_post( array $data ): array {
	$post      = get_post( (int) $data['id'] );
	$home      = home_url( '/' );
	$url       = get_permalink( $post );
	$name      = get_bloginfo( 'name' );
	$title     = wp_strip_all_tags( get_the_title( $post ) );
	$author    = get_userdata( (int) $post->post_author );
	$author_nm = $author ? $author->display_name : '';
	$desc      = wp_trim_words( wp_strip_all_tags( strip_shortcodes( $post->post_content ) ), 30, '...' );
	$head      = array(
		'title'          => $title . ' - ' . $name,
		'description'    => $desc,
		'robots'         => wpt_yoast_robots(),
		'canonical'      => $url,
		'og_locale'      => 'en_US',
		'og_type'        => 'article',
		'og_title'       => $title,
		'og_description' => $desc,
		'og_url'         => $url,
		'og_site_name'   => $name,
	);
	if ( 'post' === $post->post_type ) {
		$head['article_published_time'] = wpt_seo_w3c( $post->post_date_gmt );
	}
	if ( strtotime( $post->post_modified_gmt ) > strtotime( $post->post_date_gmt ) ) {
		$head['article_modified_time'] = wpt_seo_w3c( $post->post_modified_gmt );
	}
	$thumb = (int) get_post_thumbnail_id( $post );
	$image = $thumb ? wp_get_attachment_image_src( $thumb, 'full' ) : false;
	if ( $image ) {
		$head['og_image'] = array(
			array(
				'width'  => (int) $image[1],
				'height' => (int) $image[2],
				'url'    => $image[0],
				'type'   => (string) get_post_mime_type( $thumb ),
			),
		);
	}
	$head['author']       = $author_nm;
	$head['twitter_card'] = 'summary_large_image';
	$head['twitter_site'] = '@crawlertest';
	$head['twitter_misc'] = array(
		'Written by'        => $author_nm,
		'Est. reading time' => max( 1, (int) ceil( str_word_count( wp_strip_all_tags( $post->post_content ) ) / 200 ) ) . ' minute',
	);
	$person               = $home . '#/schema/person/' . md5( (string) $post->post_author );
	$head['schema']       = array(
		'@context' => 'https://schema.org',
		'@graph'   => array(
			array(
				'@type'            => 'Article',
				'@id'              => $url . '#article',
				'isPartOf'         => array( '@id' => $url ),
				'author'           => array( 'name' => $author_nm, '@id' => $person ),
				'headline'         => $title,
				'datePublished'    => wpt_seo_w3c( $post->post_date_gmt ),
				'dateModified'     => wpt_seo_w3c( $post->post_modified_gmt ),
				'mainEntityOfPage' => array( '@id' => $url ),
				'wordCount'        => str_word_count( wp_strip_all_tags( $post->post_content ) ),
				'commentCount'     => (int) $post->comment_count,
				'publisher'        => array( '@id' => $home . '#organization' ),
				'articleSection'   => wp_list_pluck( get_the_category( $post->ID ), 'name' ),
				'inLanguage'       => 'en-US',
				'potentialAction'  => array(
					array(
						'@type'  => 'CommentAction',
						'name'   => 'Comment',
						'target' => array( $url . '#respond' ),
					),
				),
			),
			array(
				'@type'           => 'WebPage',
				'@id'             => $url,
				'url'             => $url,
				'name'            => $head['title'],
				'isPartOf'        => array( '@id' => $home . '#website' ),
				'datePublished'   => wpt_seo_w3c( $post->post_date_gmt ),
				'dateModified'    => wpt_seo_w3c( $post->post_modified_gmt ),
				'description'     => $desc,
				'breadcrumb'      => array( '@id' => $url . '#breadcrumb' ),
				'inLanguage'      => 'en-US',
				'potentialAction' => array(
					array(
						'@type'  => 'ReadAction',
						'target' => array( $url ),
					),
				),
			),
			array(
				'@type'           => 'BreadcrumbList',
				'@id'             => $url . '#breadcrumb',
				'itemListElement' => array(
					array(
						'@type'    => 'ListItem',
						'position' => 1,
						'name'     => 'Home',
						'item'     => $home,
					),
					array(
						'@type'    => 'ListItem',
						'position' => 2,
						'name'     => $title,
					),
				),
			),
			array(
				'@type'           => 'WebSite',
				'@id'             => $home . '#website',
				'url'             => $home,
				'name'            => $name,
				'description'     => get_bloginfo( 'description' ),
				'publisher'       => array( '@id' => $home . '#organization' ),
				'potentialAction' => array(
					array(
						'@type'       => 'SearchAction',
						'target'      => array(
							'@type'       => 'EntryPoint',
							'urlTemplate' => $home . '?s={search_term_string}',
						),
						'query-input' => 'required name=search_term_string',
					),
				),
				'inLanguage'      => 'en-US',
			),
			array(
				'@type' => 'Person',
				'@id'   => $person,
				'name'  => $author_nm,
				'image' => array(
					'@type'      => 'ImageObject',
					'inLanguage' => 'en-US',
					'@id'        => $home . '#/schema/person/image/',
					'caption'    => $author_nm,
				),
				'url'   => $author ? get_author_posts_url( $author->ID ) : $home,
			),
		),
	);
	return $head;
}

function wpt_yoast_term( array $data ): array {
	$term = get_term( (int) $data['id'] );
	$url  = get_term_link( $term );
	$url  = is_wp_error( $url ) ? home_url( '/' ) : $url;
	$name = wp_strip_all_tags( $term->name );
	return array(
		'title'        => $name . ' Archives - ' . get_bloginfo( 'name' ),
		'robots'       => wpt_yoast_robots(),
		'canonical'    => $url,
		'og_locale'    => 'en_US',
		'og_type'      => 'article',
		'og_title'     => $name . ' Archives',
		'og_url'       => $url,
		'og_site_name' => get_bloginfo( 'name' ),
		'twitter_card' => 'summary_large_image',
		'schema'       => array(
			'@context' => 'https://schema.org',
			'@graph'   => array(
				array(
					'@type' => 'CollectionPage',
					'@id'   => $url,
					'url'   => $url,
					'name'  => $name . ' Archives',
				),
			),
		),
	);
}

function wpt_yoast_user( array $data ): array {
	$user = get_userdata( (int) $data['id'] );
	$url  = $user ? get_author_posts_url( $user->ID ) : home_url( '/' );
	$name = $user ? $user->display_name : '';
	return array(
		'title'        => $name . ', Author at ' . get_bloginfo( 'name' ),
		'robots'       => wpt_yoast_robots(),
		'canonical'    => $url,
		'og_locale'    => 'en_US',
		'og_type'      => 'profile',
		'og_title'     => $name . ', Author at ' . get_bloginfo( 'name' ),
		'og_url'       => $url,
		'og_site_name' => get_bloginfo( 'name' ),
		'twitter_card' => 'summary_large_image',
		'schema'       => array(
			'@context' => 'https://schema.org',
			'@graph'   => array(
				array(
					'@type' => 'ProfilePage',
					'@id'   => $url,
					'url'   => $url,
					'name'  => $name,
				),
			),
		),
	);
}

/*
 * Option wpt_seo_plugin = "rankmath" (WordPressSite.rankmath_head() sets it): the site runs
 * Rank Math with its headless support instead of Yoast. Records carry no yoast_head_json, and
 * GET rankmath/v1/getHead?url=<page URL> answers {"success": true, "head": "<title>..."} as
 * Rank Math's RankMath\Rest\Headless does (public route, internal URLs only). The head says
 * what wpt_yoast_post() builds for the post at that URL (so a test reads its ground truth
 * there), rendered the way Rank Math prints its tags; the post whose id is the option
 * wpt_rankmath_fail answers 500. Every URL asked is appended to
 * wp-content/wpt-rankmath-calls.log, one a line, for the tests to count.
 */
function wpt_rankmath_head( array $head ): string {
	$meta = static fn( $attr, $name, $value ) => '<meta ' . $attr . '="' . esc_attr( $name ) . '" content="' . esc_attr( (string) $value ) . '" />' . "\n";
	$html = "<!-- Search Engine Optimization by Rank Math - https://rankmath.com/ -->\n";
	$html .= '<title>' . esc_html( $head['title'] ) . "</title>\n";
	$html .= '<meta name="description" content="' . esc_attr( $head['description'] ?? '' ) . '"/>' . "\n";
	$html .= '<meta name="robots" content="' . esc_attr( implode( ', ', array_values( $head['robots'] ) ) ) . '"/>' . "\n";
	$html .= '<link rel="canonical" href="' . esc_url( $head['canonical'] ) . '" />' . "\n";
	foreach ( array( 'og_locale', 'og_type', 'og_title', 'og_description', 'og_url', 'og_site_name' ) as $key ) {
		if ( isset( $head[ $key ] ) ) {
			$html .= $meta( 'property', 'og:' . substr( $key, 3 ), $head[ $key ] );
		}
	}
	foreach ( $head['og_image'] ?? array() as $image ) {
		$html .= $meta( 'property', 'og:image', $image['url'] );
		$html .= $meta( 'property', 'og:image:width', $image['width'] );
		$html .= $meta( 'property', 'og:image:height', $image['height'] );
		$html .= $meta( 'property', 'og:image:alt', 'x' );
		$html .= $meta( 'property', 'og:image:type', $image['type'] );
	}
	foreach ( array( 'article_published_time', 'article_modified_time' ) as $key ) {
		if ( isset( $head[ $key ] ) ) {
			$html .= $meta( 'property', 'article:' . substr( $key, 8 ), $head[ $key ] );
		}
	}
	foreach ( array( 'twitter_card', 'twitter_title', 'twitter_description', 'twitter_site', 'twitter_creator' ) as $key ) {
		if ( isset( $head[ $key ] ) ) {
			$html .= $meta( 'name', 'twitter:' . substr( $key, 8 ), $head[ $key ] );
		}
	}
	$n = 0;
	foreach ( $head['twitter_misc'] ?? array() as $label => $value ) {
		++$n;
		$html .= $meta( 'name', 'twitter:label' . $n, $label ) . $meta( 'name', 'twitter:data' . $n, $value );
	}
	$html .= '<script type="application/ld+json" class="rank-math-schema">' . wp_json_encode( $head['schema'] ) . "</script>\n";
	return $html . "<!-- /Rank Math WordPress SEO plugin -->\n";
}

function wpt_rankmath_get_head( WP_REST_Request $request ) {
	$url = (string) $request->get_param( 'url' );
	file_put_contents( WP_CONTENT_DIR . '/wpt-rankmath-calls.log', str_replace( "\n", ' ', $url ) . "\n", FILE_APPEND | LOCK_EX );
	$id   = url_to_postid( $url );
	if ( $id && (int) get_option( 'wpt_rankmath_fail', 0 ) === $id ) {
		return new WP_Error( 'wpt_failed', 'A head that fails (the tests).', array( 'status' => 500 ) );
	}
	$head = $id ? wpt_rankmath_head( wpt_yoast_post( array( 'id' => $id ) ) )
		: '<title>Page not found - ' . esc_html( get_bloginfo( 'name' ) ) . "</title>\n";
	return new WP_REST_Response( array( 'success' => true, 'head' => $head ), 200 );
}

add_action(
	'rest_api_init',
	static function () {
		if ( 'rankmath' === get_option( 'wpt_seo_plugin', '' ) ) {
			register_rest_route(
				'rankmath/v1',
				'/getHead',
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => 'wpt_rankmath_get_head',
					'permission_callback' => '__return_true',
					'args'                => array(
						'url' => array(
							'type'              => 'string',
							'required'          => true,
							'validate_callback' => static fn( $url ) => is_string( $url ) && 0 === strpos( $url, home_url() ),
						),
					),
				)
			);
		}
		$yoast = array(
			'post' => 'wpt_yoast_post',
			'term' => 'wpt_yoast_term',
			'user' => 'wpt_yoast_user',
		);
		$types = array(
			'post' => array( 'post', 'page', 'event' ),
			'term' => array( 'category', 'post_tag', 'venue' ),
			'user' => array( 'user' ),
		);
		foreach ( $types as $kind => $objects ) {
			if ( 'rankmath' === get_option( 'wpt_seo_plugin', '' ) ) {
				break; // a site runs one SEO plugin
			}
			$build = $yoast[ $kind ];
			register_rest_field(
				$objects,
				'yoast_head_json',
				array( 'get_callback' => static fn( $data ) => $build( $data ) )
			);
			register_rest_field(
				$objects,
				'yoast_head',
				array( 'get_callback' => static fn( $data ) => wpt_yoast_head( $build( $data ) ) )
			);
		}
		register_rest_field(
			array( 'post', 'page', 'event' ),
			'acf',
			array( 'get_callback' => 'wpt_acf_post' )
		);
		register_rest_field(
			array( 'category', 'post_tag', 'venue' ),
			'acf',
			array( 'get_callback' => static fn( $data ) => array( 'color' => '#' . substr( md5( (string) $data['slug'] ), 0, 6 ) ) )
		);
		register_rest_field(
			'user',
			'acf',
			array( 'get_callback' => static fn( $data ) => array( 'twitter' => '@' . $data['slug'] ) )
		);
	}
);
