<?php
/**
 * Create the database and run wp_install() (there is no wp-cli in Debian 12).
 *
 * Leaves an empty, deterministic site: the sample post, page and comment are removed,
 * options that would reach the network or vary per run are fixed.
 */

define( 'WPT_INSTALLING', true );

// The database must exist before WordPress connects.
$wpt_socket = dirname( getenv( 'WPT_ROOT' ) ) . '/mysql/mysqld.sock';
$wpt_db     = new mysqli( 'localhost', 'root', '', '', 0, $wpt_socket );
$wpt_db->query( 'CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci' );
$wpt_db->close();

require __DIR__ . '/bootstrap.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

if ( is_blog_installed() ) {
	echo "already installed\n";
	exit( 0 );
}

$result = wp_install( 'Example News', 'admin', 'admin@example.com', true, '', 'admin-password' );

// The samples wp_install_defaults() made would only be noise in the ground truth.
foreach ( get_posts( array( 'post_type' => 'any', 'post_status' => 'any', 'numberposts' => -1 ) ) as $post ) {
	wp_delete_post( $post->ID, true );
}

$options = array(
	'blogdescription'        => 'Independent reporting from everywhere',
	'timezone_string'        => 'Europe/Berlin',
	'date_format'            => 'F j, Y',
	'permalink_structure'    => '', // Per server, see the mu-plugin.
	'default_pingback_flag'  => 0,
	'default_ping_status'    => 'closed',
	'posts_per_page'         => 10,
	'posts_per_rss'          => 10,
	'show_avatars'           => 1,
	'thread_comments'        => 1,
	'thread_comments_depth'  => 5,
	'comment_moderation'     => 0,
	'uploads_use_yearmonth_folders' => 1,
	'fresh_site'             => 0,
);
foreach ( $options as $name => $value ) {
	update_option( $name, $value );
}
wp_update_user(
	array(
		'ID'           => $result['user_id'],
		'display_name' => 'Newsroom Desk',
		'nickname'     => 'Newsroom Desk',
		'user_url'     => 'https://example.com/newsroom',
	)
);
wpt_forget_rewrite_rules();

echo "installed\n";
