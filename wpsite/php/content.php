<?php
/**
 * Text generator for the seeder: article-like titles and paragraphs, deterministic for a
 * given Random\Randomizer.
 *
 * Each paragraph is kept twice: as the HTML stored in the post and as the plain text a
 * correct cleaner must extract from the rendered page (entities decoded, tags removed,
 * &nbsp; as U+00A0). The plain text never contains what wptexturize() would rewrite
 * (straight quotes, "--", "...", " - ", "(c)"), so it also matches the rendered text.
 */

final class WPT_Content {
	const SUBJECTS = array(
		'The city council', 'Local farmers', 'The central bank', 'Researchers in Zürich',
		'A group of students', 'The transport authority', 'Hospital staff', 'The mayor’s office',
		'Small businesses', 'The football club', 'Climate scientists', 'The opposition party',
		'Residents of São Paulo', 'Engineers at the port', 'The museum’s curators',
		'Teachers’ unions', 'Emergency services', 'The national rail operator',
	);
	const VERBS = array(
		'approved', 'rejected', 'questioned', 'announced', 'postponed', 'welcomed',
		'criticised', 'published', 'reviewed', 'defended', 'expanded', 'scaled back',
	);
	const OBJECTS = array(
		'a plan to rebuild the old harbour', 'the budget for next year', 'new rules on short-term rentals',
		'a report on air quality', 'the cycling network', 'a pilot for four-day weeks',
		'funding for rural schools', 'the night train to Vienna', 'a study of river pollution',
		'the new stadium lease', 'plans for a solar farm', 'a review of bus fares',
		'the heritage list', 'a ban on single-use cups', 'the flood defence scheme',
	);
	const WHEN = array(
		'on Tuesday', 'after months of debate', 'late on Friday', 'earlier this week',
		'at a packed meeting', 'despite strong objections', 'for the second time this year',
		'ahead of the summer holidays', 'in a narrow vote',
	);
	const DETAILS = array(
		'Officials said the first phase would cost about 12{nbsp}million euros.',
		'Critics called the timetable “unrealistic” and asked for an independent review.',
		'“We have waited long enough,” said one resident who has lived in the area for 30{nbsp}years.',
		'The proposal now goes to a committee, which meets again in March.',
		'Similar schemes in Copenhagen and Utrecht took nearly a decade to complete.',
		'Supporters argue the change will pay for itself within five years.',
		'A spokesperson declined to comment on the cost of delays.',
		'Figures released last month showed a rise of 4{nbsp}% compared with the year before.',
		'The vote followed a petition signed by more than 8{nbsp}000 people.',
		'Opponents say the consultation ignored the people most affected.',
		'Local shops reported a busy weekend as visitors returned.',
		'Work on the site is expected to begin in the autumn.',
		'The report’s authors say their data covers 240 towns across the region.',
		'It is the third such announcement since the start of the year.',
	);
	const FOREIGN = array(
		'北京今年春天的气温比往年高出两度，专家表示这与城市热岛效应有关。',
		'上海的新地铁线路将于明年开通，预计每天运送五十万名乘客。',
		'قال المتحدث إن المشروع سيكتمل بحلول نهاية العام المقبل.',
		'افتتحت المدينة مكتبة عامة جديدة تضم أكثر من مئة ألف كتاب.',
		'À Montréal, les cafés ouvrent dès l’aube et ferment tard le soir.',
		'Em São Paulo, a prefeitura anunciou novas ciclovias para o próximo verão.',
		'Die Stadtverwaltung in Köln prüft längere Öffnungszeiten für Bäder.',
		'Ελληνικά νησιά υποδέχονται περισσότερους επισκέπτες φέτος.',
		'В Москве открылась выставка современного искусства.',
		'Kraków świętuje 50 lat festiwalu muzyki dawnej.',
	);
	const HEADINGS = array(
		'What happens next', 'The background', 'How the vote went', 'What residents say',
		'The numbers', 'A long debate', 'Reactions', 'Why it matters', 'Ce qu’il faut savoir',
		'数字背后', 'ردود الفعل',
	);
	const TITLE_FRONT = array(
		'Zürich approves', 'Council delays', 'Inside the fight over', 'Why voters care about',
		'Farmers welcome', 'Five things to know about', 'The quiet success of', 'Doubts grow over',
		'Students campaign for', 'Mayor’s plan for', 'A guide to', 'What we learned from',
		'Experts question', 'The hidden cost of', 'How one town rebuilt',
	);
	const TITLE_BACK = array(
		'the harbour plan', 'cheaper bus fares', 'rural schools', 'the night train',
		'the solar farm', 'river clean-up', 'the new stadium', 'short-term rentals',
		'cycling lanes', 'the flood defences', 'four-day weeks', 'public libraries',
		'the heritage list', 'street markets', 'the tram extension', 'air quality',
		'city parks', 'local radio',
	);
	/** Titles with the characters that WordPress encodes on output. */
	const SPECIAL_TITLES = array(
		'Rock & Roll\'s "best" comeback -- 2024...',
		'Don\'t miss: our editors\' picks',
		'Fish & chips: a love story',
		'“The best year ever,” says coach',
		'北京的春天来得更早了',
		'مدينة عمّان تفتتح مكتبة جديدة',
		'À Montréal, la rentrée des cafés',
		'Crème brûlée, café & co.: a Paris food tour',
		'Tom & Jerry - test screening',
		'It\'s 5 o\'clock somewhere',
	);
	const CAPTIONS = array(
		'Photo: Example Press', 'The harbour at dawn. Photo: Example Press',
		'Residents at the meeting. Photo: J. Álvarez', '会议现场。摄影：李伟',
	);
	const COMMENTS = array(
		'Great article, thanks for the detailed reporting.',
		'I was at the meeting and it was even more heated than described here.',
		'Does anyone know when the consultation closes?',
		'This is the third time they have delayed it. Unbelievable.',
		'非常好的报道，谢谢！',
		'شكرا على هذا التقرير المفيد.',
		'Très bon article, merci pour les précisions.',
		'Could you publish the full report as a PDF?',
		'My neighbours and I signed the petition last spring.',
		'Well written, although I disagree with the conclusion.',
	);
	const COMMENTERS = array(
		'Maria Schmidt', 'Olu Adeyemi', 'Chen Jing 陈静', 'Yusuf Demir', 'Aisha Rahman عائشة',
		'Pierre Lefèvre', 'Kate O’Brien', 'Nguyễn Văn An', 'Sofia Rossi', 'Ivan Petrov',
	);

	/** @var Random\Randomizer */
	private $rng;

	public function __construct( Random\Randomizer $rng ) {
		$this->rng = $rng;
	}

	public function pick( array $items ) {
		return $items[ $this->rng->getInt( 0, count( $items ) - 1 ) ];
	}

	public function chance( float $probability ): bool {
		return $this->rng->getInt( 0, 999 ) < (int) round( $probability * 1000 );
	}

	public function between( int $low, int $high ): int {
		return $this->rng->getInt( $low, $high );
	}

	/** Pick $count distinct items, in the list's order. */
	public function sample( array $items, int $count ): array {
		$count = min( $count, count( $items ) );
		if ( $count <= 0 ) {
			return array();
		}
		$keys = $this->rng->pickArrayKeys( $items, $count );
		return array_values( array_intersect_key( $items, array_flip( $keys ) ) );
	}

	public function title( int $number ): string {
		if ( $number % 17 === 3 ) {
			return self::SPECIAL_TITLES[ intdiv( $number, 17 ) % count( self::SPECIAL_TITLES ) ];
		}
		return $this->pick( self::TITLE_FRONT ) . ' ' . $this->pick( self::TITLE_BACK );
	}

	/** One plain-text paragraph of 2–4 sentences (U+00A0 where &nbsp; is written). */
	public function paragraph(): string {
		if ( $this->chance( 0.12 ) ) {
			return $this->pick( self::FOREIGN );
		}
		$sentences = array(
			$this->pick( self::SUBJECTS ) . ' ' . $this->pick( self::VERBS ) . ' '
				. $this->pick( self::OBJECTS ) . ' ' . $this->pick( self::WHEN ) . '.',
		);
		foreach ( $this->sample( self::DETAILS, $this->between( 1, 3 ) ) as $detail ) {
			$sentences[] = $detail;
		}
		return str_replace( '{nbsp}', "\u{00A0}", implode( ' ', $sentences ) );
	}

	public function heading(): string {
		return $this->pick( self::HEADINGS );
	}

	public function caption(): string {
		return $this->pick( self::CAPTIONS );
	}

	public function comment(): string {
		return $this->pick( self::COMMENTS );
	}

	public function commenter(): string {
		return $this->pick( self::COMMENTERS );
	}

	/** HTML for plain text: & escaped, U+00A0 written as &nbsp;, sometimes a link or <em>. */
	public function inline_html( string $plain ): string {
		$html = str_replace( "\u{00A0}", '&nbsp;', esc_html( $plain ) );
		if ( $this->chance( 0.2 ) && preg_match( '/^(\S+ \S+)(.*)$/su', $html, $m ) ) {
			$html = '<a href="https://example.com/background/' . $this->between( 1, 999 ) . '">' . $m[1] . '</a>' . $m[2];
		} elseif ( $this->chance( 0.15 ) && preg_match( '/^(.*?)(\S+?)([.!?。]?)$/su', $html, $m ) ) {
			$html = $m[1] . '<em>' . $m[2] . '</em>' . $m[3];
		}
		return $html;
	}
}
