"""Pagination decisions: headers present, missing and wrong; the end; page-size step-down."""

import itertools

from crawler.wordpress.pagination import (
    CollectionState,
    Cut,
    PageRef,
    header_int,
    smaller_pages,
)


def drive(
    state, pages_of_site, *, headers=True, claimed_pages=None, claimed_total=None, refuse_over=None
):
    """Run the state machine against a simulated collection; return pages requested, in order."""
    requested, queue = [], [state.first_page()]
    total = sum(pages_of_site)
    while queue:
        ref = queue.pop(0)
        requested.append(ref)
        if refuse_over and ref.per_page > refuse_over:
            queue += state.after_too_large(ref)
            continue
        count = max(0, min(ref.per_page, total - ref.start))
        if count == 0 and ref.start >= total > 0:
            state.after_end(ref)  # WordPress's 400 past the last page
            continue
        real_pages = -(-total // ref.per_page)
        total_pages = (claimed_pages or real_pages) if headers else None
        claimed = (claimed_total or total) if headers else None
        queue += state.after_page(ref, count=count, total_pages=total_pages, total=claimed)
        state.seen.update(range(ref.start, ref.start + count))
    return requested


def test_headers_fan_out_all_pages_after_the_first():
    state = CollectionState("wp/v2/posts")
    first = state.first_page()
    assert state.after_page(first, count=100, total_pages=5) == [
        PageRef(p, 100) for p in (2, 3, 4, 5)
    ]
    assert state.in_flight == 4


def test_full_crawl_with_headers_requests_each_page_once():
    state = CollectionState("wp/v2/posts")
    requested = drive(state, [100, 100, 50])
    assert [r.page for r in requested] == [1, 2, 3]
    assert len(state.seen) == 250
    assert state.done


def test_exactly_full_last_page_is_checked_once_more():
    state = CollectionState("wp/v2/posts")
    requested = drive(state, [100, 100])
    assert [r.page for r in requested] == [1, 2, 3]  # page 3 answers WordPress's 400
    assert len(state.seen) == 200
    assert state.done


def test_without_headers_pages_follow_one_by_one_until_the_end():
    state = CollectionState("wp/v2/posts")
    requested = drive(state, [100, 100, 30], headers=False)
    assert [r.page for r in requested] == [1, 2, 3, 4]
    assert len(state.seen) == 230
    assert state.done


def test_short_page_without_headers_is_not_the_end():
    # Media pages come back short when some items are hidden by permissions.
    state = CollectionState("wp/v2/media")
    state.first_page()
    assert state.after_page(PageRef(1, 100), count=97, total_pages=None) == [PageRef(2, 100)]


def test_headers_that_understate_the_page_count_lose_nothing():
    state = CollectionState("wp/v2/posts")
    requested = drive(state, [100, 100, 100, 100, 20], claimed_pages=2)
    assert len(state.seen) == 420
    assert [r.page for r in requested] == [1, 2, 3, 4, 5]


def test_zero_total_pages_from_a_plugin_is_treated_as_unknown():
    state = CollectionState("wp/v2/posts")
    first = state.first_page()
    assert state.after_page(first, count=100, total_pages=0) == [PageRef(2, 100)]


def test_empty_collection_ends_at_once():
    state = CollectionState("wp/v2/posts")
    first = state.first_page()
    assert state.after_page(first, count=0, total_pages=0) == []
    assert state.done


def test_step_down_covers_the_same_records():
    for ref in (PageRef(1, 100), PageRef(4, 100), PageRef(3, 50)):
        smaller = smaller_pages(ref)
        assert smaller[0].start == ref.start
        assert smaller[-1].end == ref.end
        assert all(b.start == a.end for a, b in itertools.pairwise(smaller))


def test_site_refusing_large_pages_is_crawled_completely_at_a_smaller_size():
    state = CollectionState("wp/v2/posts")
    requested = drive(state, [100, 100, 100, 40], refuse_over=50)
    assert len(state.seen) == 340
    assert state.per_page == 50
    assert not state.failed_pages
    assert state.done
    # After the first refusal, later pages are requested at the size that works.
    assert all(r.per_page == 50 for r in requested[1:] if r.page > 2)


def test_site_refusing_every_size_fails_the_page_after_a_bounded_number_of_requests():
    state = CollectionState("wp/v2/posts")
    requested = drive(state, [100], refuse_over=1)
    assert len(requested) == 1 + 2 + 10
    assert len(state.failed_pages) == 10
    assert state.done


def test_duplicates_are_refused_and_shortfall_is_measured():
    state = CollectionState("wp/v2/posts")
    state.note_total(3)
    state.note_total(99)  # later totals do not replace the first
    assert state.accept(1)
    assert state.accept(2)
    assert not state.accept(1)
    assert state.total == 3
    assert state.shortfall == 1


def test_header_int():
    assert header_int(b"1200") == 1200
    assert header_int(None) is None
    assert header_int(b"") is None
    assert header_int(b"12, 12") is None


# Bounds: what a lying site can make the crawler request.


def endless(state, *, total_pages=None, total=None, limit=100_000):
    """A site that answers every page full of new records: the pages requested, counted."""
    queue, requested = [state.first_page()], 0
    while queue and requested < limit:
        ref = queue.pop(0)
        requested += 1
        ids = list(range(ref.start, ref.end))
        fresh = state.fresh(ids)
        state.seen.update(ids)
        queue += state.after_page(
            ref, count=ref.per_page, total_pages=total_pages, total=total, fresh=fresh
        )
        assert len(queue) <= state.window
    return requested


def test_a_billion_total_pages_is_scheduled_a_window_at_a_time():
    state = CollectionState("wp/v2/posts", max_pages=500)
    assert len(state.after_page(state.first_page(), count=100, total_pages=10**9)) == 32
    assert state.in_flight == 32


def test_a_billion_total_pages_stops_at_the_page_cap_and_is_lost():
    state = CollectionState("wp/v2/posts", max_pages=500)
    assert endless(state, total_pages=10**9) == 500
    assert state.cut is Cut.MAX_PAGES
    assert state.lost


def test_total_pages_larger_than_the_total_allows_are_clamped():
    state = CollectionState("wp/v2/posts")
    first = state.first_page()
    assert state.after_page(first, count=100, total_pages=100_000, total=150) == [PageRef(2, 100)]


def test_full_pages_past_the_total_are_followed_one_by_one_up_to_the_cap():
    """Sites understate both headers: their records are followed, never fanned out."""
    state = CollectionState("wp/v2/posts", max_pages=60)
    assert endless(state, total_pages=100_000, total=150) == 60
    assert state.cut is Cut.MAX_PAGES
    assert state.lost


def test_an_understated_total_loses_nothing():
    state = CollectionState("wp/v2/posts")
    requested = drive(state, [100, 100, 100, 100, 20], claimed_pages=2, claimed_total=200)
    assert len(state.seen) == 420
    assert [r.page for r in requested] == [1, 2, 3, 4, 5]
    assert state.cut is None


def test_header_less_endless_paging_stops_at_the_cap():
    state = CollectionState("wp/v2/posts", max_pages=40)
    assert endless(state) == 40
    assert state.cut is Cut.MAX_PAGES


def test_a_repeated_page_ends_the_collection():
    state = CollectionState("wp/v2/posts")
    first = state.first_page()
    state.seen.update(range(100))
    assert state.after_page(first, count=100, total_pages=None, fresh=100) == [PageRef(2, 100)]
    assert state.after_page(PageRef(2, 100), count=100, total_pages=None, fresh=0) == []
    assert state.cut is Cut.REPEATED
    assert not state.lost  # without X-WP-Total nothing says more records exist


def test_a_repeated_page_is_lost_when_the_total_says_more_exist():
    state = CollectionState("wp/v2/posts")
    state.first_page()
    state.note_total(500)
    state.seen.update(range(100))
    state.after_page(PageRef(1, 100), count=100, total_pages=5, fresh=100)
    assert state.after_page(PageRef(2, 100), count=100, total_pages=5, fresh=0) == []
    assert (state.cut, state.lost) == (Cut.REPEATED, True)
    assert state.after_page(PageRef(3, 100), count=100, total_pages=5, fresh=100) == []


def test_the_window_refills_as_pages_answer_and_fail():
    state = CollectionState("wp/v2/posts", window=2)
    first = state.first_page()
    assert state.after_page(first, count=100, total_pages=5) == [PageRef(2, 100), PageRef(3, 100)]
    state.after_failure(PageRef(2, 100))
    assert state.more() == [PageRef(4, 100)]
    assert state.after_page(PageRef(3, 100), count=100, total_pages=5) == [PageRef(5, 100)]
    assert state.after_page(PageRef(4, 100), count=100, total_pages=5) == []


def test_an_end_in_the_window_drops_the_pages_not_yet_requested():
    state = CollectionState("wp/v2/posts", window=2)
    state.after_page(state.first_page(), count=100, total_pages=10**9)
    state.after_end(PageRef(2, 100))
    state.after_end(PageRef(3, 100))
    assert state.more() == []
    assert state.done
    assert state.cut is None
