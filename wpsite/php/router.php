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

/*
 * The "wall" switch (WordPressSite.rest_blocked("wall")): a WAF in front of the site that
 * refuses the REST API in every spelling (/wp-json/..., /index.php/wp-json/...,
 * ?rest_route=...) with Cloudflare's block page, before WordPress loads. The flag is a file
 * beside the WordPress tree, so all three servers see it at once. Home page, sitemaps,
 * feeds and pages stay open.
 */
function wpt_is_rest_path( string $path, string $query ): bool {
	if ( preg_match( '#^/(index\.php/)?wp-json(/|$)#i', $path ) ) {
		return true;
	}
	parse_str( $query, $args );
	return array_key_exists( 'rest_route', $args );
}

if ( is_file( dirname( $wpt_root ) . '/rest-wall' )
	&& wpt_is_rest_path( $wpt_path, (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_QUERY ) ) ) {
	$wpt_ray = bin2hex( random_bytes( 8 ) ) . '-FRA';
	http_response_code( 403 );
	header( 'Server: cloudflare' );
	header( "CF-RAY: $wpt_ray" );
	header( 'Content-Type: text/html; charset=UTF-8' );
	header( 'Cache-Control: private, max-age=0, no-store, no-cache, must-revalidate, post-check=0, pre-check=0' );
	header( 'X-Frame-Options: SAMEORIGIN' );
	header( 'Referrer-Policy: same-origin' );
	$wpt_host = htmlspecialchars( (string) ( $_SERVER['HTTP_HOST'] ?? '127.0.0.1' ), ENT_QUOTES );
	echo <<<HTML
<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<!--[if gt IE 8]><!--> <html class="no-js" lang="en-US"> <!--<![endif]-->
<head>
<title>Attention Required! | Cloudflare</title>
<meta charset="UTF-8" />
<meta name="robots" content="noindex, nofollow" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/cf.errors.css" />
</head>
<body>
  <div id="cf-wrapper">
    <div id="cf-error-details" class="cf-error-details-wrapper">
      <div class="cf-wrapper cf-header cf-error-overview">
        <h1 data-translate="block_headline">Sorry, you have been blocked</h1>
        <h2 class="cf-subheadline"><span data-translate="unable_to_access">You are unable to access</span> $wpt_host</h2>
      </div>
      <div class="cf-section cf-wrapper">
        <h2 data-translate="blocked_why_headline">Why have I been blocked?</h2>
        <p data-translate="blocked_why_detail">This website is using a security service to protect itself from online attacks. The action you just performed triggered the security solution.</p>
      </div>
      <div class="cf-error-footer cf-wrapper">
        <p><span class="cf-footer-item">Cloudflare Ray ID: <strong class="font-semibold">$wpt_ray</strong></span>
        <span class="cf-footer-item"><span>Performance &amp; security by</span> <a rel="noopener noreferrer" href="https://www.cloudflare.com/5xx-error-landing" target="_blank">Cloudflare</a></span></p>
      </div>
    </div>
  </div>
</body>
</html>

HTML;
	return true;
}

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
