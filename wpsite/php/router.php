<?php
/**
 * Router for `php -S`: behaves like nginx's `try_files $uri $uri/ /index.php?$args`.
 *
 * Without a router, php -S answers every unknown path with index.php (so /wp-json/ would
 * never be a 404) yet 404s missing paths that have an extension. Here:
 *   - existing files, directories and /script.php/extra/path go to php -S itself
 *     (it sets PATH_INFO for the last case, which PATHINFO permalinks rely on);
 *   - other paths go to index.php in pretty mode (like a rewrite rule) and get a plain
 *     server 404 in plain and pathinfo mode (no rewriting configured).
 */

$wpt_root = rtrim( $_SERVER['DOCUMENT_ROOT'], '/' );
$wpt_path = rawurldecode( (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) );

if ( preg_match( '#(^|/)\.\.(/|$)#', $wpt_path ) ) {
	http_response_code( 400 );
	return true;
}
if ( is_file( $wpt_root . $wpt_path ) || is_dir( $wpt_root . $wpt_path ) ) {
	return false;
}
if ( preg_match( '#^(.*?\.php)/#', $wpt_path, $wpt_match ) && is_file( $wpt_root . $wpt_match[1] ) ) {
	return false;
}
if ( getenv( 'WPT_PERMALINKS' ) === 'pretty' ) {
	unset( $_SERVER['PATH_INFO'], $_SERVER['ORIG_PATH_INFO'] );
	$_SERVER['SCRIPT_NAME']     = '/index.php';
	$_SERVER['PHP_SELF']        = '/index.php';
	$_SERVER['SCRIPT_FILENAME'] = $wpt_root . '/index.php';
	chdir( $wpt_root );
	require $wpt_root . '/index.php';
	return true;
}

http_response_code( 404 );
header( 'Content-Type: text/html; charset=UTF-8' );
echo "<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n";
return true;
