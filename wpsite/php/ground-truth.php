<?php
/**
 * Print what the site holds, read back through WordPress itself (not what the seeder
 * meant to write), as one JSON object. Links are those of the mode in WPT_PERMALINKS /
 * WPT_ORIGIN. GMT dates are formatted as the REST API formats them (see wpt_rest_date()).
 *
 * Titles and names are decoded the way a crawler decodes title.rendered:
 * html_entity_decode( get_the_title(), ENT_QUOTES | ENT_HTML5, 'UTF-8' ). Like the REST
 * API, the "Protected: " prefix of password-protected titles is left out.
 */

require __DIR__ . '/bootstrap.php';

function wpt_decode( string $html ): string {
	return html_entity_decode( $html, ENT_QUOTES | ENT_HTML5, 'UTF-8' );
}

/**
 * A GMT column formatted exactly as the REST API does it (mysql_to_rfc3339()). WordPress
 * 6.1 parses the GMT string in the *site's* time zone there, so a GMT time that falls in
 * the local DST gap (Europe/Berlin: 02:00-03:00 on the last Sunday of March) comes out
 * one hour late in date_gmt/modified_gmt. The ground truth follows the server.
 */
function wpt_rest_date( string $mysql ): ?string {
	return '0000-00-00 00:00:00' === $mysql ? null : mysql_to_rfc3339( $mysql );
}

/**
 * A GMT column as stored, in the same format as wpt_rest_date() but without its DST-gap
 * shift: what a page's <time datetime> or the Atom feed says, where REST is an hour late.
 */
function wpt_db_date( string $mysql ): ?string {
	return '0000-00-00 00:00:00' === $mysql ? null : str_replace( ' ', 'T', $mysql );
}

/** All records of a type and status, ordered by id, caches primed in one go. */
function wpt_records( $type, $status ): array {
	$query = new WP_Query(
		array(
			'post_type'           => $type,
			'post_status'         => $status,
			'posts_per_page'      => -1,
			'orderby'             => 'ID',
			'order'               => 'ASC',
			'ignore_sticky_posts' => true,
			'suppress_filters'    => true,
			'no_found_rows'       => true,
		)
	);
	return $query->posts;
}

/** Term ids of a post, sorted (the REST API's order is not part of the contract). */
function wpt_term_ids( int $post_id, string $taxonomy ): array {
	$ids = array_map( 'intval', wp_get_object_terms( $post_id, $taxonomy, array( 'fields' => 'ids' ) ) );
	sort( $ids );
	return $ids;
}

add_filter( 'protected_title_format', static fn() => '%s' );
add_filter( 'private_title_format', static fn() => '%s' );

$posts = array();
foreach ( wpt_records( 'post', 'publish' ) as $post ) {
	$truth   = json_decode( (string) get_post_meta( $post->ID, '_wpt_truth', true ), true ) ?: array();
	$posts[] = array(
		'id'             => $post->ID,
		'slug'           => $post->post_name,
		'title'          => wpt_decode( get_the_title( $post ) ),
		'date_gmt'       => wpt_rest_date( $post->post_date_gmt ),
		'modified_gmt'   => wpt_rest_date( $post->post_modified_gmt ),
		'date_gmt_db'    => wpt_db_date( $post->post_date_gmt ),
		'modified_gmt_db' => wpt_db_date( $post->post_modified_gmt ),
		'author'         => (int) $post->post_author,
		'categories'     => wpt_term_ids( $post->ID, 'category' ),
		'tags'           => wpt_term_ids( $post->ID, 'post_tag' ),
		'featured_media' => (int) get_post_thumbnail_id( $post ),
		'sticky'         => is_sticky( $post->ID ),
		'protected'      => '' !== $post->post_password,
		'comment_count'  => (int) $post->comment_count,
		'link'           => get_permalink( $post ),
		'paragraphs'     => $truth['paragraphs'] ?? array(),
		'headings'       => $truth['headings'] ?? array(),
		'captions'       => $truth['captions'] ?? array(),
		'boilerplate'    => $truth['boilerplate'] ?? array(),
	);
}

$non_public = array();
foreach ( array( 'draft', 'pending', 'private', 'future', 'trash' ) as $status ) {
	$non_public[ $status ] = array_map( static fn( $p ) => $p->ID, wpt_records( array( 'post', 'page', 'event' ), $status ) );
}

$pages = array();
foreach ( wpt_records( 'page', 'publish' ) as $page ) {
	$pages[] = array(
		'id'         => $page->ID,
		'slug'       => $page->post_name,
		'parent'     => $page->post_parent,
		'menu_order' => $page->menu_order,
		'title'      => wpt_decode( get_the_title( $page ) ),
		'author'     => (int) $page->post_author,
		'link'       => get_permalink( $page ),
	);
}

$events = array();
foreach ( wpt_records( 'event', 'publish' ) as $event ) {
	$events[] = array(
		'id'          => $event->ID,
		'slug'        => $event->post_name,
		'title'       => wpt_decode( get_the_title( $event ) ),
		'date_gmt'    => wpt_rest_date( $event->post_date_gmt ),
		'date_gmt_db' => wpt_db_date( $event->post_date_gmt ),
		'modified_gmt_db' => wpt_db_date( $event->post_modified_gmt ),
		'venues'      => wpt_term_ids( $event->ID, 'venue' ),
		'author'      => (int) $event->post_author,
		'event_start' => (string) get_post_meta( $event->ID, 'event_start', true ),
		'link'        => get_permalink( $event ),
	);
}

$attachments = array();
foreach ( wpt_records( 'attachment', 'inherit' ) as $attachment ) {
	$parent        = $attachment->post_parent ? get_post( $attachment->post_parent ) : null;
	$attachments[] = array(
		'id'            => $attachment->ID,
		'post'          => $attachment->post_parent ?: null,
		'parent_status' => $parent ? $parent->post_status : null,
		'mime_type'     => $attachment->post_mime_type,
		'title'         => wpt_decode( get_the_title( $attachment ) ),
		'alt_text'      => (string) get_post_meta( $attachment->ID, '_wp_attachment_image_alt', true ),
		'caption'       => $attachment->post_excerpt,
		'source_url'    => wp_get_attachment_url( $attachment->ID ),
	);
}

function wpt_terms( string $taxonomy ): array {
	$terms = get_terms(
		array(
			'taxonomy'   => $taxonomy,
			'hide_empty' => false,
			'orderby'    => 'term_id',
			'order'      => 'ASC',
		)
	);
	return array_map(
		static fn( $term ) => array(
			'id'     => $term->term_id,
			'name'   => wpt_decode( $term->name ),
			'slug'   => $term->slug,
			'parent' => $term->parent,
			'count'  => $term->count,
			'link'   => get_term_link( $term ),
		),
		$terms
	);
}

// The same rule as WP_REST_Users_Controller for anonymous requests.
$users = array();
$query = new WP_User_Query(
	array(
		'has_published_posts' => array_values( get_post_types( array( 'show_in_rest' => true ), 'names' ) ),
		'orderby'             => 'ID',
		'order'               => 'ASC',
	)
);
foreach ( $query->get_results() as $user ) {
	$users[] = array(
		'id'   => $user->ID,
		'name' => $user->display_name,
		'slug' => $user->user_nicename,
		'link' => get_author_posts_url( $user->ID, $user->user_nicename ),
	);
}

$comments = array();
foreach ( get_comments( array( 'status' => 'all', 'orderby' => 'comment_ID', 'order' => 'ASC' ) ) as $comment ) {
	$comments[] = array(
		'id'       => (int) $comment->comment_ID,
		'post'     => (int) $comment->comment_post_ID,
		'parent'   => (int) $comment->comment_parent,
		'status'   => $comment->comment_approved, // "1", "0" or "spam"
		'date_gmt' => wpt_rest_date( $comment->comment_date_gmt ),
		'date_gmt_db' => wpt_db_date( $comment->comment_date_gmt ),
	);
}
$spam_or_pending = static fn( $c ) => '1' !== $c['status'];

wpt_print_json(
	array(
		'wordpress'    => $GLOBALS['wp_version'],
		'mode'         => wpt_mode(),
		'home'         => home_url( '/' ),
		'rest_root'    => get_rest_url(),
		'seeded'       => get_option( 'wpt_seeded' ),
		'posts'        => $posts,
		'non_public'   => $non_public,
		'pages'        => $pages,
		'events'       => $events,
		'attachments'  => $attachments,
		'categories'   => wpt_terms( 'category' ),
		'tags'         => wpt_terms( 'post_tag' ),
		'venues'       => wpt_terms( 'venue' ),
		'users'        => $users,
		'comments'     => array(
			'approved'     => array_values( array_map( static fn( $c ) => $c['id'], array_filter( $comments, static fn( $c ) => '1' === $c['status'] ) ) ),
			'not_approved' => array_values( array_map( static fn( $c ) => $c['id'], array_filter( $comments, $spam_or_pending ) ) ),
			'all'          => $comments,
		),
	)
);
