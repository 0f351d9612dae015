<?php
/**
 * Seed the test site with deterministic, article-like content through WordPress's own
 * API (wp_insert_post, wp_insert_term, wp_insert_attachment, wp_insert_comment, ...).
 *
 * Usage: php seed.php POSTS [SEED]    (environment as in bootstrap.php)
 *   POSTS  number of *published* posts (X-WP-Total of /wp/v2/posts); drafts, pending,
 *          private, future and trashed posts come on top, max(2, POSTS/100) of each.
 *   SEED   seed of the random generator (default 1); same seed, same site.
 *   WPT_THUMBNAILS=0 in the environment skips the resized image files (faster).
 *
 * Every post keeps what a correct cleaner must find in it as protected post meta
 * `_wpt_truth` (paragraphs, headings, captions as plain text; boilerplate strings that
 * must not survive cleaning); ground-truth.php reads it back.
 * Prints one JSON object with what was created.
 */

define( 'WP_IMPORTING', true ); // No pings, no enclosure lookups.
require __DIR__ . '/bootstrap.php';
require __DIR__ . '/content.php';
require_once ABSPATH . 'wp-admin/includes/image.php';
require_once ABSPATH . 'wp-admin/includes/file.php';
require_once ABSPATH . 'wp-admin/includes/media.php';

const WPT_BATCH      = 200;        // Posts per database transaction.
const WPT_FIRST_DATE = 1546300800; // 2019-01-01 00:00 UTC.
const WPT_LAST_DATE  = 1735603200; // 2024-12-31 00:00 UTC.
const WPT_NOW_CAP    = 1736899200; // 2025-01-15: modification dates stay in the past.

$wpt_published = max( 10, (int) ( $argv[1] ?? 300 ) );
$wpt_seed      = (int) ( $argv[2] ?? 1 );
$wpt_thumbs    = getenv( 'WPT_THUMBNAILS' ) !== '0';

if ( get_option( 'wpt_seeded' ) ) {
	fwrite( STDERR, "already seeded\n" );
	exit( 2 );
}

$text = new WPT_Content( new Random\Randomizer( new Random\Engine\Mt19937( $wpt_seed ) ) );
wpt_become_admin();
wp_defer_term_counting( true );
wp_defer_comment_counting( true );
$GLOBALS['wpdb']->query( 'START TRANSACTION' );

/* ---------------------------------------------------------------- helpers */

/** [local, gmt] MySQL datetimes of a UTC timestamp, in the site's time zone. */
function wpt_dates( int $timestamp ): array {
	$gmt = gmdate( 'Y-m-d H:i:s', $timestamp );
	return array( get_date_from_gmt( $gmt ), $gmt );
}

/** ASCII file-name stem for a title ("post-12-zurich-approves-the-harbour-plan"). */
function wpt_file_stem( string $prefix, string $title ): string {
	$ascii = trim( preg_replace( '/[^a-z0-9]+/', '-', strtolower( remove_accents( $title ) ) ), '-' );
	return $prefix . '-' . substr( $ascii !== '' ? $ascii : 'image', 0, 48 );
}

/** A small, distinct JPEG drawn with GD. */
function wpt_jpeg( WPT_Content $text, string $label ): string {
	$image = imagecreatetruecolor( 400, 250 );
	imagefilledrectangle( $image, 0, 0, 399, 249, imagecolorallocate( $image, $text->between( 40, 200 ), $text->between( 40, 200 ), $text->between( 40, 200 ) ) );
	for ( $i = 0; $i < 4; $i++ ) {
		$colour = imagecolorallocate( $image, $text->between( 0, 255 ), $text->between( 0, 255 ), $text->between( 0, 255 ) );
		imagefilledellipse( $image, $text->between( 0, 399 ), $text->between( 0, 249 ), $text->between( 40, 220 ), $text->between( 40, 160 ), $colour );
	}
	imagestring( $image, 5, 14, 14, $label, imagecolorallocate( $image, 255, 255, 255 ) );
	ob_start();
	imagejpeg( $image, null, 82 );
	imagedestroy( $image );
	return ob_get_clean();
}

/** Small square PNG avatars, served from uploads/avatars/ (see the mu-plugin). */
function wpt_avatars( WPT_Content $text ): void {
	$dir = wp_upload_dir( null, false )['basedir'] . '/avatars';
	wp_mkdir_p( $dir );
	for ( $i = 0; $i < 6; $i++ ) {
		$image = imagecreatetruecolor( 96, 96 );
		imagefilledrectangle( $image, 0, 0, 95, 95, imagecolorallocate( $image, $text->between( 60, 220 ), $text->between( 60, 220 ), $text->between( 60, 220 ) ) );
		imagefilledellipse( $image, 48, 38, 40, 40, imagecolorallocate( $image, 250, 250, 250 ) );
		imagefilledellipse( $image, 48, 96, 80, 60, imagecolorallocate( $image, 250, 250, 250 ) );
		imagepng( $image, "$dir/avatar-$i.png" );
		imagedestroy( $image );
	}
}

/**
 * Upload a generated image and register it as an attachment of $parent.
 * Returns [id, url of the medium size (root-relative), width, height, alt, caption].
 */
function wpt_attachment( WPT_Content $text, int $parent, string $title, int $timestamp, int $author, string $stem ): array {
	global $wpt_thumbs;
	list( $local, $gmt ) = wpt_dates( $timestamp );
	$upload              = wp_upload_bits( "$stem.jpg", null, wpt_jpeg( $text, 'Example News ' . $stem ), substr( $local, 0, 4 ) . '/' . substr( $local, 5, 2 ) );
	if ( ! empty( $upload['error'] ) ) {
		throw new RuntimeException( $upload['error'] );
	}
	$caption = $text->caption();
	$alt     = 'Illustration for ' . $title;
	$id      = wp_insert_attachment(
		wp_slash(
			array(
				'post_mime_type' => 'image/jpeg',
				'post_title'     => $title,
				'post_excerpt'   => $caption,
				'post_content'   => '',
				'post_status'    => 'inherit',
				'post_author'    => $author,
				'post_date'      => $local,
				'post_date_gmt'  => $gmt,
				'guid'           => $upload['url'],
			)
		),
		$upload['file'],
		$parent,
		true
	);
	if ( is_wp_error( $id ) ) {
		throw new RuntimeException( $id->get_error_message() );
	}
	update_post_meta( $id, '_wp_attachment_image_alt', wp_slash( $alt ) );
	if ( $wpt_thumbs ) {
		$meta = wp_generate_attachment_metadata( $id, $upload['file'] );
	} else {
		$meta = array(
			'width'      => 400,
			'height'     => 250,
			'file'       => _wp_relative_upload_path( $upload['file'] ),
			'filesize'   => filesize( $upload['file'] ),
			'sizes'      => array(),
			'image_meta' => array(),
		);
	}
	wp_update_attachment_metadata( $id, $meta );
	$dir  = '/wp-content/uploads/' . dirname( $meta['file'] ) . '/';
	$size = $meta['sizes']['medium'] ?? array( 'file' => wp_basename( $meta['file'] ), 'width' => 400, 'height' => 250 );
	return array( $id, $dir . $size['file'], $size['width'], $size['height'], $alt, $caption );
}

/** Stored HTML and ground truth of one article body. */
function wpt_body( WPT_Content $text, bool $blocks, ?array $image, int $number ): array {
	$truth      = array( 'paragraphs' => array(), 'headings' => array(), 'captions' => array(), 'boilerplate' => array() );
	$parts      = array();
	$count      = $text->between( 3, 8 );
	$heading_at = $count > 4 ? $text->between( 2, $count - 2 ) : -1;
	$vc_row_at  = $text->chance( 0.12 ) ? $text->between( 1, $count - 1 ) : -1;
	for ( $i = 0; $i < $count; $i++ ) {
		if ( $i === $heading_at ) {
			$heading               = $text->heading();
			$truth['headings'][]   = $heading;
			$parts[]               = $blocks
				? "<!-- wp:heading -->\n<h2>" . esc_html( $heading ) . "</h2>\n<!-- /wp:heading -->"
				: '<h2 class="section-title" id="section-' . $i . '">' . esc_html( $heading ) . '</h2>';
		}
		if ( 1 === $i && $image ) {
			list( $id, $src, $width, $height, $alt, $caption ) = $image;
			$truth['captions'][] = $caption;
			$parts[]             = $blocks
				? '<!-- wp:image {"id":' . $id . ',"sizeSlug":"medium","linkDestination":"none"} -->' . "\n"
					. '<figure class="wp-block-image size-medium"><img src="' . $src . '" alt="' . esc_attr( $alt ) . '" class="wp-image-' . $id . '"/>'
					. '<figcaption class="wp-element-caption">' . esc_html( $caption ) . "</figcaption></figure>\n<!-- /wp:image -->"
				: '[caption id="attachment_' . $id . '" align="alignnone" width="' . $width . '"]<img class="size-medium wp-image-' . $id
					. '" src="' . $src . '" alt="' . esc_attr( $alt ) . '" width="' . $width . '" height="' . $height . '" /> ' . esc_html( $caption ) . '[/caption]';
		}
		$plain                 = $text->paragraph();
		$truth['paragraphs'][] = $plain;
		$inline                = $text->inline_html( $plain );
		if ( $i === $vc_row_at ) {
			// A page-builder shortcode from a plugin this site does not have: WordPress
			// leaves it in the rendered HTML as literal text.
			array_push( $truth['boilerplate'], '[vc_row]', '[vc_column]', '[/vc_column]', '[/vc_row]' );
			$parts[] = $blocks
				? "<!-- wp:shortcode -->\n[vc_row][vc_column]<p>$inline</p>[/vc_column][/vc_row]\n<!-- /wp:shortcode -->"
				: "[vc_row][vc_column]\n<p>$inline</p>\n[/vc_column][/vc_row]";
		} elseif ( $blocks ) {
			$parts[] = "<!-- wp:paragraph -->\n<p>$inline</p>\n<!-- /wp:paragraph -->";
		} else {
			switch ( $text->between( 0, 3 ) ) {
				case 0:
					$parts[] = "<p>$inline</p>";
					break;
				case 1:
					$parts[] = '<p class="lead" data-paragraph="' . $i . '">' . $inline . '</p>';
					break;
				case 2:
					$parts[] = '<p class="article-text" data-track="para-' . $i . "\" data-section=\"body\">\n    $inline\n</p>";
					break;
				default:
					$parts[] = '<div class="article-paragraph" data-id="p' . $i . "\">\n\t<p>$inline</p>\n</div>";
			}
		}
		if ( ! $blocks && 0 === $i && $text->chance( 0.15 ) ) {
			$parts[] = '<!--more-->';
		}
	}
	if ( $text->chance( 0.1 ) ) {
		$truth['boilerplate'][] = 'dataLayer.push';
		$script                 = '<script>window.dataLayer = window.dataLayer || []; dataLayer.push({"event": "article_view", "article": ' . $number . '});</script>';
		$parts[]                = $blocks ? "<!-- wp:html -->\n$script\n<!-- /wp:html -->" : $script;
	}
	if ( $text->chance( 0.3 ) ) {
		$truth['boilerplate'][] = 'This post appeared first on Example News.';
		$line                   = '<p class="syndication">This post appeared first on <a href="https://example.com/">Example News</a>.</p>';
		$parts[]                = $blocks ? "<!-- wp:paragraph {\"className\":\"syndication\"} -->\n$line\n<!-- /wp:paragraph -->" : $line;
	}
	return array( implode( "\n\n", $parts ), $truth );
}

/** Insert a post-like record; dies loudly on failure (a broken seed is a broken suite). */
function wpt_insert( array $post ): int {
	$id = wp_insert_post( wp_slash( $post ), true );
	if ( is_wp_error( $id ) ) {
		throw new RuntimeException( $id->get_error_message() . ' ' . $GLOBALS['wpdb']->last_error );
	}
	return $id;
}

/** Insert a term and return its id. */
function wpt_term( string $name, string $taxonomy, ?string $slug = null, int $parent = 0 ): int {
	$args = array( 'parent' => $parent );
	if ( null !== $slug ) {
		$args['slug'] = $slug;
	}
	$term = wp_insert_term( wp_slash( $name ), $taxonomy, $args );
	if ( is_wp_error( $term ) ) {
		throw new RuntimeException( "$taxonomy $name: " . $term->get_error_message() );
	}
	return (int) $term['term_id'];
}

/** Approved, pending and spam comments, some threaded; returns how many. */
function wpt_comments( WPT_Content $text, int $post_id, int $timestamp, int $post_author ): int {
	$made = 0;
	$when = $timestamp;
	$add  = static function ( string $approved, int $parent, int $user = 0 ) use ( $text, $post_id, &$when, &$made ) {
		$when += $text->between( 10 * MINUTE_IN_SECONDS, 2 * DAY_IN_SECONDS );
		list( $local, $gmt ) = wpt_dates( $when );
		$user_data = $user ? get_userdata( $user ) : null;
		$name      = $user_data ? $user_data->display_name : $text->commenter();
		++$made;
		return (int) wp_insert_comment(
			wp_slash(
				array(
					'comment_post_ID'      => $post_id,
					'comment_author'       => $name,
					'comment_author_email' => $user_data ? $user_data->user_email : sanitize_title( remove_accents( $name ) ) . '@example.com',
					'comment_author_url'   => '',
					'comment_author_IP'    => '127.0.0.1',
					'comment_agent'        => 'Mozilla/5.0 (X11; Linux x86_64) seed',
					'comment_content'      => $text->comment(),
					'comment_date'         => $local,
					'comment_date_gmt'     => $gmt,
					'comment_approved'     => $approved,
					'comment_parent'       => $parent,
					'comment_type'         => 'comment',
					'user_id'              => $user,
				)
			)
		);
	};
	$top = $text->pick( array( 0, 0, 0, 1, 1, 2, 2, 3, 4 ) );
	for ( $i = 0; $i < $top; $i++ ) {
		$status = $text->chance( 0.8 ) ? '1' : ( $text->chance( 0.7 ) ? '0' : 'spam' );
		$id     = $add( $status, 0 );
		if ( '1' === $status && $text->chance( 0.35 ) ) {
			$reply = $add( '1', $id, $text->chance( 0.5 ) ? $post_author : 0 );
			if ( $text->chance( 0.3 ) ) {
				$add( $text->chance( 0.8 ) ? '1' : '0', $reply );
			}
		}
	}
	return $made;
}

/* ---------------------------------------------------------------- users */

$authors = array();
$people  = array(
	// login, display name, role, description
	array( 'liwei', 'Li Wei 李伟', 'author', 'Li Wei 李伟 writes about housing reform and lives in İstanbul.' ),
	array( 'fatima', 'Fatima Al-Zahra فاطمة الزهراء', 'editor', 'Fatima edits the world desk.' ),
	array( 'jalvarez', 'José Álvarez', 'author', 'José covers business and energy from Madrid.' ),
	array( 'akowalska', 'Anna Kowalska', 'author', 'Anna reports on science & health.' ),
	array( 'soneill', 'Sam O’Neill', 'author', 'Sam writes the sports column.' ),
	array( 'reader', 'Quiet Reader', 'subscriber', 'Has never published anything.' ),
);
foreach ( $people as $n => list( $login, $name, $role, $about ) ) {
	$id = wp_insert_user(
		wp_slash(
			array(
				'user_login'      => $login,
				'user_pass'       => "$login-password",
				'user_email'      => "$login@example.com",
				'user_url'        => "https://example.com/staff/$login",
				'display_name'    => $name,
				'nickname'        => $name,
				'description'     => $about,
				'role'            => $role,
				'user_registered' => gmdate( 'Y-m-d H:i:s', WPT_FIRST_DATE - ( 30 - $n ) * DAY_IN_SECONDS ),
			)
		)
	);
	if ( is_wp_error( $id ) ) {
		throw new RuntimeException( $id->get_error_message() );
	}
	if ( 'subscriber' !== $role ) {
		$authors[] = $id;
	}
}
$admin_id = get_current_user_id();
wpt_avatars( $text );

/* ---------------------------------------------------------------- taxonomies */

// [name, slug (null: let WordPress derive it), children]
$sections = array(
	array( 'News', 'news', array( array( 'Local', 'local' ), array( 'National', 'national' ), array( 'Weather', 'weather' ) ) ),
	array(
		'World',
		'world',
		array(
			array( 'Europe', 'europe', array( array( 'Germany', 'germany' ), array( 'France', 'france' ), array( 'España', 'espana' ) ) ),
			array( 'Asia', 'asia', array( array( '中国', null ), array( 'Japan', 'japan' ) ) ),
			array( 'الشرق الأوسط', null ),
			array( 'Africa', 'africa' ),
			array( 'Americas', 'americas' ),
		),
	),
	array( 'Politics', 'politics', array( array( 'Elections', 'elections-politics' ), array( 'Parliament', 'parliament' ), array( 'Policy', 'policy' ) ) ),
	array( 'Business', 'business', array( array( 'Markets', 'markets' ), array( 'Économie', 'economie' ), array( 'Startups', 'startups' ), array( 'Energy', 'energy' ) ) ),
	array( 'Science & Health', 'science-health', array( array( 'Space', 'space' ), array( 'Climate', 'climate' ), array( 'Medicine', 'medicine' ), array( 'Research', 'research' ) ) ),
	array( 'Technology', 'technology', array( array( 'AI', 'ai' ), array( 'Security', 'security' ), array( 'Gadgets', 'gadgets' ), array( 'Software', 'software' ) ) ),
	array( 'Culture', 'culture', array( array( 'Books', 'books' ), array( 'Film', 'film' ), array( 'Music', 'music' ), array( 'Art & Design', 'art-design' ), array( 'Food & Drink', 'food-drink' ) ) ),
	array( 'Sport', 'sport', array( array( 'Football', 'football' ), array( 'Tennis', 'tennis' ), array( 'Cycling', 'cycling-sport' ), array( 'Athletics', 'athletics' ) ) ),
	array( 'Opinion', 'opinion', array( array( 'Editorials', 'editorials' ), array( 'Letters', 'letters' ), array( 'Columns', 'columns' ) ) ),
	array( 'Travel', 'travel', array( array( 'Cities', 'cities' ), array( 'Outdoors', 'outdoors' ), array( 'Food Trips', 'food-trips' ) ) ),
);
$categories = array();
$add_tree   = static function ( array $nodes, int $parent ) use ( &$add_tree, &$categories ) {
	foreach ( $nodes as $node ) {
		$id           = wpt_term( $node[0], 'category', $node[1], $parent );
		$categories[] = $id;
		$add_tree( $node[2] ?? array(), $id );
	}
};
$add_tree( $sections, 0 );

$tag_names = array(
	'élections', '城市', 'café', 'Zürich', 'São Paulo', 'مياه', 'Ελλάδα', 'Köln', 'naïve art',
	'smörgåsbord', 'COVID-19', 'EU', 'A&E', 'rock & roll', 'editor\'s pick',
);
$modifiers = array( 'urban', 'rural', 'public', 'private', 'local', 'national', 'global', 'green', 'digital', 'coastal', 'northern', 'southern' );
$topics    = array( 'housing', 'transport', 'energy', 'water', 'schools', 'hospitals', 'budget', 'tax', 'trade', 'jobs', 'wages', 'rent', 'rail', 'airports', 'ports', 'farming', 'fisheries', 'forests', 'rivers', 'libraries' );
foreach ( $topics as $topic ) {
	foreach ( $modifiers as $modifier ) {
		if ( count( $tag_names ) < 200 ) {
			$tag_names[] = "$modifier $topic";
		}
	}
}
$tags = array();
foreach ( $tag_names as $name ) {
	$tags[] = wpt_term( $name, 'post_tag' );
}

$venues = array();
foreach ( array( 'Royal Albert Hall', 'Théâtre du Châtelet', '国家大剧院', 'دار الأوبرا المصرية', 'Elbphilharmonie', 'Teatro Colón' ) as $name ) {
	$venues[] = wpt_term( $name, 'venue' );
}

/* ---------------------------------------------------------------- pages */

// [title, menu_order, children]
$page_tree = array(
	array( 'About us', 1, array( array( 'Our team', 1, array( array( 'Editorial board', 1 ) ) ), array( 'History', 2 ), array( 'Jobs', 3 ) ) ),
	array( 'Contact', 2 ),
	array( 'Advertise', 3 ),
	array( 'Legal', 4, array( array( 'Privacy policy', 1 ), array( 'Terms of use', 2 ), array( 'Impressum', 3 ) ) ),
	array( 'Newsletter', 5 ),
	array( 'Über uns', 6 ),
	array( '关于我们', 7 ),
);
$page_count = 0;
$add_pages  = static function ( array $nodes, int $parent ) use ( &$add_pages, &$page_count, $text, $admin_id ) {
	foreach ( $nodes as $node ) {
		++$page_count;
		list( $local, $gmt ) = wpt_dates( WPT_FIRST_DATE - ( 20 - $page_count ) * DAY_IN_SECONDS );
		list( $html )        = wpt_body( $text, true, null, -$page_count );
		$id                  = wpt_insert(
			array(
				'post_type'      => 'page',
				'post_status'    => 'publish',
				'post_title'     => $node[0],
				'post_content'   => $html,
				'post_parent'    => $parent,
				'menu_order'     => $node[1],
				'post_author'    => $admin_id,
				'post_date'      => $local,
				'post_date_gmt'  => $gmt,
				'comment_status' => 'closed',
				'ping_status'    => 'closed',
			)
		);
		$add_pages( $node[2] ?? array(), $id );
	}
};
$add_pages( $page_tree, 0 );
foreach ( array( 'draft' => 'Upcoming: reader survey', 'private' => 'Internal: style guide' ) as $status => $title ) {
	list( $local, $gmt ) = wpt_dates( WPT_FIRST_DATE );
	wpt_insert(
		array(
			'post_type'     => 'page',
			'post_status'   => $status,
			'post_title'    => $title,
			'post_content'  => "<!-- wp:paragraph -->\n<p>Not for the public.</p>\n<!-- /wp:paragraph -->",
			'post_author'   => $admin_id,
			'post_date'     => $local,
			'post_date_gmt' => $gmt,
		)
	);
}

/* ---------------------------------------------------------------- posts */

// Published posts plus a few of each non-public status, interleaved in date order.
$hidden   = max( 2, intdiv( $wpt_published, 100 ) );
$statuses = array_fill( 0, $wpt_published, 'publish' );
foreach ( array( 'draft', 'pending', 'private', 'future', 'trash' ) as $status ) {
	$statuses = array_merge( $statuses, array_fill( 0, $hidden, $status ) );
}
$statuses = ( new Random\Randomizer( new Random\Engine\Mt19937( $wpt_seed + 1 ) ) )->shuffleArray( $statuses );
$times    = array();
foreach ( $statuses as $ignored ) {
	$times[] = $text->between( WPT_FIRST_DATE, WPT_LAST_DATE );
}
sort( $times );

$sticky_at    = intdiv( $wpt_published, 2 );
$protected_at = intdiv( $wpt_published, 3 );
$published    = 0;
$counts       = array( 'attachments' => 0, 'comments' => 0 );
foreach ( $statuses as $number => $status ) {
	if ( $number > 0 && 0 === $number % WPT_BATCH ) {
		$GLOBALS['wpdb']->query( 'COMMIT' );
		wp_cache_flush();
		$GLOBALS['wpdb']->query( 'START TRANSACTION' );
	}
	$timestamp = 'future' === $status ? gmmktime( 9, 0, 0, 1 + $number % 12, 1 + $number % 28, 2099 ) : $times[ $number ];
	list( $local, $gmt ) = wpt_dates( $timestamp );
	$title     = $text->title( $number );
	$author    = $text->pick( $authors );
	$blocks    = $text->chance( 0.55 );
	$image     = null;
	if ( $text->chance( 'publish' === $status ? 0.85 : 0.5 ) ) {
		$image = wpt_attachment( $text, 0, $title, $timestamp, $author, wpt_file_stem( "post-$number", $title ) );
		++$counts['attachments'];
	}
	list( $html, $truth ) = wpt_body( $text, $blocks, $image && $text->chance( 0.5 ) ? $image : null, $number );

	$post = array(
		'post_type'      => 'post',
		'post_status'    => 'trash' === $status ? 'publish' : $status,
		'post_title'     => $title,
		'post_content'   => $html,
		'post_excerpt'   => $text->chance( 0.3 ) ? preg_split( '/(?<=[.。])\s*/u', $truth['paragraphs'][0] )[0] : '',
		'post_author'    => $author,
		'post_date'      => $local,
		'post_date_gmt'  => $gmt,
		'comment_status' => 'open',
		'ping_status'    => 'closed',
	);
	$is_protected = 'publish' === $status && $published === $protected_at;
	if ( $is_protected ) {
		$post['post_password'] = 'secret';
	}
	$id = wpt_insert( $post );
	add_post_meta( $id, '_wpt_truth', wp_slash( wp_json_encode( $truth, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES ) ) );

	$post_categories = $text->chance( 0.04 ) ? array() : $text->sample( $categories, $text->chance( 0.7 ) ? 1 : 2 );
	wp_set_post_terms( $id, $post_categories ? $post_categories : array( (int) get_option( 'default_category' ) ), 'category' );
	wp_set_post_terms( $id, $text->sample( $tags, $text->between( 0, 6 ) ), 'post_tag' );
	if ( $image ) {
		$GLOBALS['wpdb']->update( $GLOBALS['wpdb']->posts, array( 'post_parent' => $id ), array( 'ID' => $image[0] ) );
		clean_post_cache( $image[0] );
		set_post_thumbnail( $id, $image[0] );
	}

	if ( 'trash' === $status ) {
		wp_trash_post( $id );
		continue;
	}
	if ( 'publish' !== $status ) {
		continue;
	}

	if ( $published === $sticky_at ) {
		stick_post( $id );
	}
	++$published;
	if ( $text->chance( 0.25 ) ) {
		// Edited after publication: modified_gmt later than date_gmt.
		list( $mod_local, $mod_gmt ) = wpt_dates( min( WPT_NOW_CAP, $timestamp + $text->between( HOUR_IN_SECONDS, 200 * DAY_IN_SECONDS ) ) );
		$GLOBALS['wpdb']->update( $GLOBALS['wpdb']->posts, array( 'post_modified' => $mod_local, 'post_modified_gmt' => $mod_gmt ), array( 'ID' => $id ) );
		clean_post_cache( $id );
	}
	if ( ! $is_protected ) {
		$counts['comments'] += wpt_comments( $text, $id, $timestamp, $author );
	}
}

/* ---------------------------------------------------------------- events */

$event_kinds = array( 'Spring concert', 'Book fair', 'Film premiere', 'Jazz night', 'Open-air cinema', 'Poetry reading', 'Food festival', 'Photo exhibition' );
$event_total = max( 8, intdiv( $wpt_published, 25 ) );
for ( $i = 0; $i <= $event_total; $i++ ) {
	$timestamp           = $text->between( WPT_FIRST_DATE, WPT_LAST_DATE );
	list( $local, $gmt ) = wpt_dates( $timestamp );
	$title               = $text->pick( $event_kinds ) . ' ' . gmdate( 'Y', $timestamp );
	list( $html )        = wpt_body( $text, true, null, 10000 + $i );
	$id                  = wpt_insert(
		array(
			'post_type'     => 'event',
			'post_status'   => $i === $event_total ? 'draft' : 'publish', // The last one is a draft.
			'post_title'    => $title,
			'post_content'  => $html,
			'post_author'   => $text->pick( $authors ),
			'post_date'     => $local,
			'post_date_gmt' => $gmt,
			'meta_input'    => array( 'event_start' => gmdate( 'Y-m-d\TH:i', $timestamp + 30 * DAY_IN_SECONDS ) ),
		)
	);
	wp_set_post_terms( $id, $text->sample( $venues, $text->chance( 0.2 ) ? 2 : 1 ), 'venue' );
}

/* ---------------------------------------------------------------- finish */

$GLOBALS['wpdb']->query( 'COMMIT' );
wp_defer_term_counting( false );   // Recount deferred term counts.
wp_defer_comment_counting( false ); // ...and comment counts.
delete_option( 'category_children' );
_get_term_hierarchy( 'category' );
wpt_forget_rewrite_rules();
$summary = array(
	'posts'       => $published,
	'hidden'      => $hidden,
	'pages'       => $page_count,
	'events'      => $event_total,
	'attachments' => $counts['attachments'],
	'comments'    => $counts['comments'],
	'categories'  => count( $categories ),
	'tags'        => count( $tags ),
	'seed'        => $wpt_seed,
	'thumbnails'  => $wpt_thumbs,
);
update_option( 'wpt_seeded', $summary, false );
wpt_print_json( $summary );
