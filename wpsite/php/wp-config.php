<?php
/**
 * wp-config.php of the test site (copied into the site's WordPress tree).
 *
 * Debian's own wp-config.php looks up /etc/wordpress/config-$HOST.php, which is global
 * and does not fit several ports, so the tree is a copy with this file instead.
 *
 * Everything that differs between the three servers comes from the environment:
 *   WPT_ORIGIN      http://127.0.0.1:PORT of the server (or of a CLI script's mode)
 *   WPT_PERMALINKS  plain | pathinfo | pretty (read by the mu-plugin)
 * The database is a private MariaDB reached only through its unix socket, next to
 * this tree: SITE/mysql/mysqld.sock.
 */

$wpt_site = dirname( __DIR__ );
$wpt_origin = getenv( 'WPT_ORIGIN' ) ?: 'http://127.0.0.1';

define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'root' );
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', 'localhost:' . $wpt_site . '/mysql/mysqld.sock' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );

// Fixed salts: this site only ever listens on 127.0.0.1 and is thrown away.
foreach ( array( 'AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT',
	'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT' ) as $wpt_key ) {
	define( $wpt_key, 'wordpress-crawler-test-site-' . $wpt_key );
}

// One database, several origins: home and siteurl follow the server being asked.
define( 'WP_HOME', $wpt_origin );
define( 'WP_SITEURL', $wpt_origin );

define( 'WP_DEFAULT_THEME', 'twentytwentyone' );
define( 'WP_ENVIRONMENT_TYPE', 'local' ); // Application passwords over plain http.

// No traffic leaves the machine: no cron, no update checks, no external HTTP.
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'WP_ACCESSIBLE_HOSTS', '127.0.0.1,localhost' );
define( 'DISALLOW_FILE_MODS', true );

define( 'WP_DEBUG', true );
define( 'WP_DEBUG_DISPLAY', false );
define( 'WP_DEBUG_LOG', $wpt_site . '/logs/php-error.log' );

$table_prefix = 'wp_';

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

require_once ABSPATH . 'wp-settings.php';
