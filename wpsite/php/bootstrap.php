<?php
/**
 * Shared start of the CLI scripts: load the test site's WordPress as if a request for
 * WPT_ORIGIN had arrived, and offer small helpers.
 *
 * Environment: WPT_ROOT (the site's WordPress tree), WPT_ORIGIN, WPT_PERMALINKS.
 * Scripts that install set WPT_INSTALLING before requiring this file.
 */

if ( PHP_SAPI !== 'cli' ) {
	exit( 1 );
}

$wpt_root   = getenv( 'WPT_ROOT' ) ?: exit( "WPT_ROOT is not set\n" );
$wpt_origin = getenv( 'WPT_ORIGIN' ) ?: 'http://127.0.0.1';

// What wp-includes expects from a web request.
$_SERVER['HTTP_HOST']       = (string) parse_url( $wpt_origin, PHP_URL_HOST ) . ':' . (string) parse_url( $wpt_origin, PHP_URL_PORT );
$_SERVER['SERVER_NAME']     = '127.0.0.1';
$_SERVER['SERVER_PORT']     = (string) parse_url( $wpt_origin, PHP_URL_PORT );
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REMOTE_ADDR']     = '127.0.0.1';

// Errors as plain text on stderr, not WordPress' HTML "critical error" page.
ini_set( 'display_errors', 'stderr' );
define( 'WP_DISABLE_FATAL_ERROR_HANDLER', true );

if ( defined( 'WPT_INSTALLING' ) ) {
	define( 'WP_INSTALLING', true );
}

require $wpt_root . '/wp-load.php';
ini_set( 'display_errors', 'stderr' ); // wp_debug_mode() turned it off.

/** Act as the administrator with kses off, so markup is stored exactly as written. */
function wpt_become_admin() {
	$admin = get_user_by( 'login', 'admin' );
	wp_set_current_user( $admin ? $admin->ID : 1 );
	kses_remove_filters();
}

/** Print one JSON document for the Python side. */
function wpt_print_json( $data ) {
	echo wp_json_encode( $data, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE ), "\n";
}
