<?php
/**
 * Run PHP code read from stdin inside the loaded WordPress, as the administrator with
 * kses off (like the seeder), and print what it echoes. Used by WordPressSite.php() so
 * tests can insert, edit and delete content between crawls.
 *
 * The code is a statement list without the opening tag, e.g.
 *   echo wp_insert_post( array( 'post_title' => 'New', 'post_status' => 'publish' ) );
 * Changes go straight to the shared database, so all three servers see them at once.
 */

require __DIR__ . '/bootstrap.php';
wpt_become_admin();

$wpt_code = stream_get_contents( STDIN );
eval( $wpt_code ); // phpcs:ignore Squiz.PHP.Eval -- the whole point of this script.
