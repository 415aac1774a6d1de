"""Planning feeds from Post values: which feeds exist, where they go, and what each one lists.

Pure: the posts are built here, and plan_feeds and visible_posts are called
directly, with no files and no clock.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from feedpub.model import Author, Config, FeedOptions, FeedSpec, Post, Site
from feedpub.plan import EMPTY_FEED_UPDATED, plan_feeds, visible_posts
from feedpub.sources.dates import parse_date

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, tzinfo=UTC)
SITE = Site(
    title="Test Site",
    url="https://example.com/",
    description="A site for tests",
    language="en",
    timezone="Asia/Shanghai",
    author=Author("Site Author", "author@example.com"),
)
CONFIG = Config(
    path=Path("config.yaml"),
    site=SITE,
    posts_dir=Path("posts"),
    output_dir=Path("public"),
    permalink="/{year}/{month}/{day}/{slug}/",
    feeds=FeedOptions(formats=("atom", "rss"), limit=20, content="full", categories=True, tags=True),
    markdown_extensions=(),
)


def post(
    slug: str,
    date: str = "2026-01-30 10:00",
    *,
    tags: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    draft: bool = False,
    updated: str | None = None,
    entry_id: str | None = None,
) -> Post:
    """A post as read_post makes it, from the few fields planning looks at; dates as front matter writes them."""
    published = parse_date(date, TZ)
    permalink = f"https://example.com/{slug}/"
    return Post(
        path=Path(f"posts/{slug}.md"),
        title=slug.replace("-", " ").title(),
        published=published,
        updated=parse_date(updated, TZ) if updated else published,
        authors=(SITE.author,),
        categories=categories,
        tags=tags,
        summary=None,
        draft=draft,
        entry_id=entry_id or permalink,
        permalink=permalink,
        source_url=None,
        lang=None,
        body="Body text.",
        body_line=6,
        key_lines=(("categories", 3), ("tags", 4)),
    )


def plan(posts: list[Post], *, config: Config = CONFIG, **feed_options):
    """What the build does: the posts visible at NOW, planned under `config` with `feed_options` changed."""
    config = replace(config, feeds=replace(config.feeds, **feed_options))
    return plan_feeds(config, visible_posts(posts, NOW, drafts=False))


def slugs_of(spec: FeedSpec) -> list[str]:
    return [entry.path.stem for entry in spec.entries]


def feed(feeds: list[FeedSpec], kind: str, name: str | None = None) -> FeedSpec:
    (found,) = [spec for spec in feeds if spec.kind == kind and spec.name == name and not spec.archive]
    return found


# --- which posts a reader sees ----------------------------------------------------


def test_visible_posts_are_newest_first():
    posts = [post("old", "2026-01-01"), post("new", "2026-03-01"), post("middle", "2026-02-01")]

    assert [p.path.stem for p in visible_posts(posts, NOW, drafts=False)] == ["new", "middle", "old"]


def test_posts_at_the_same_instant_are_ordered_by_id_whatever_their_offsets():
    posts = [
        post("b", "2026-01-30 10:00:00 +08:00", entry_id="urn:b"),
        post("a", "2026-01-30 02:00:00 Z", entry_id="urn:a"),
        post("c", "2026-01-29 21:00:00 -05:00", entry_id="urn:c"),
    ]

    assert [p.entry_id for p in visible_posts(posts, NOW, drafts=False)] == ["urn:a", "urn:b", "urn:c"]


def test_drafts_are_left_out_unless_drafts_are_asked_for():
    posts = [post("published"), post("draft", draft=True)]

    assert [p.path.stem for p in visible_posts(posts, NOW, drafts=False)] == ["published"]
    assert sorted(p.path.stem for p in visible_posts(posts, NOW, drafts=True)) == ["draft", "published"]


def test_posts_dated_after_now_are_left_out_and_a_post_dated_exactly_now_is_shown():
    posts = [post("now", "2026-11-24 08:00:00 +08:00"), post("later", "2026-11-24 08:00:01 +08:00")]

    assert [p.path.stem for p in visible_posts(posts, NOW, drafts=False)] == ["now"]


# --- which feeds exist -------------------------------------------------------------


def test_the_site_feed_comes_first_then_categories_then_tags_each_in_slug_order():
    posts = [post("a", categories=("News",), tags=("web", "python")), post("b", tags=("ai",))]

    feeds, problems = plan(posts)

    assert [(spec.kind, spec.name) for spec in feeds] == [
        ("site", None),
        ("category", "News"),
        ("tag", "ai"),
        ("tag", "python"),
        ("tag", "web"),
    ]
    assert problems == []


def test_the_site_feed_stands_for_the_whole_site():
    site_feed = feed(plan([post("a")])[0], "site")

    assert site_feed.title == "Test Site"
    assert site_feed.description == "A site for tests"
    assert site_feed.home_url == "https://example.com/"
    assert (site_feed.folder, site_feed.url_folder, site_feed.slug) == ("", "", None)
    assert site_feed.url(SITE, "atom.xml") == "https://example.com/atom.xml"
    assert site_feed.file("rss.xml") == "rss.xml"


def test_a_tag_feed_lives_in_tags_slug_and_is_titled_by_the_tag_name():
    tag_feed = feed(plan([post("a", tags=("Machine Learning",))])[0], "tag", "Machine Learning")

    assert tag_feed.slug == "machine-learning"
    assert tag_feed.folder == "tags/machine-learning"
    assert tag_feed.file("atom.xml") == "tags/machine-learning/atom.xml"
    assert tag_feed.url(SITE, "feed.json") == "https://example.com/tags/machine-learning/feed.json"
    assert tag_feed.title == "Test Site · Machine Learning"
    assert tag_feed.description == "A site for tests · Machine Learning"


def test_a_chinese_category_keeps_its_unicode_folder_and_percent_encodes_its_url():
    category_feed = feed(plan([post("a", categories=("金融科技",))])[0], "category", "金融科技")

    assert category_feed.folder == "categories/金融科技"
    assert category_feed.url_folder == "categories/%E9%87%91%E8%9E%8D%E7%A7%91%E6%8A%80"
    assert (
        category_feed.url(SITE, "atom.xml")
        == "https://example.com/categories/%E9%87%91%E8%9E%8D%E7%A7%91%E6%8A%80/atom.xml"
    )


def test_category_and_tag_feeds_can_be_turned_off():
    posts = [post("a", categories=("News",), tags=("web",))]

    feeds, _ = plan(posts, categories=False, tags=False)

    assert [spec.kind for spec in feeds] == ["site"]


def test_hubs_and_the_stylesheet_are_given_to_every_feed():
    config = replace(CONFIG, site=replace(SITE, url="https://example.com/blog/"), hubs=("https://hub.example/",))

    feeds, _ = plan([post("a", tags=("web",))], config=config, stylesheet=True)

    assert {(spec.stylesheet, spec.hubs) for spec in feeds} == {("/blog/feed.xsl", ("https://hub.example/",))}


def test_without_the_stylesheet_option_no_feed_names_one():
    feeds, _ = plan([post("a", tags=("web",))])

    assert {spec.stylesheet for spec in feeds} == {None}


# --- what each feed lists ----------------------------------------------------------


def test_each_feed_lists_only_its_own_posts_newest_first():
    posts = [
        post("old-web", "2026-01-01", tags=("web",)),
        post("new-web", "2026-03-01", tags=("web",)),
        post("python", "2026-02-01", tags=("python",)),
    ]

    feeds, _ = plan(posts)

    assert slugs_of(feed(feeds, "site")) == ["new-web", "python", "old-web"]
    assert slugs_of(feed(feeds, "tag", "web")) == ["new-web", "old-web"]
    assert slugs_of(feed(feeds, "tag", "python")) == ["python"]


def test_limit_keeps_the_newest_entries_of_every_feed():
    posts = [post(f"p{day}", f"2026-01-{day:02d}", tags=("web",)) for day in range(1, 6)]

    feeds, _ = plan(posts, limit=2)

    assert slugs_of(feed(feeds, "site")) == ["p5", "p4"]
    assert slugs_of(feed(feeds, "tag", "web")) == ["p5", "p4"]


def test_limit_zero_keeps_every_entry():
    posts = [post(f"p{day}", f"2026-01-{day:02d}") for day in range(1, 6)]

    feeds, _ = plan(posts, limit=0)

    assert slugs_of(feed(feeds, "site")) == ["p5", "p4", "p3", "p2", "p1"]


def test_drafts_and_future_posts_are_in_no_feed():
    posts = [
        post("shown", tags=("web",)),
        post("draft", tags=("web", "drafts-only"), draft=True),
        post("future", "2027-01-01", tags=("web",)),
    ]

    feeds, _ = plan(posts)

    assert [(spec.kind, spec.name, slugs_of(spec)) for spec in feeds] == [
        ("site", None, ["shown"]),
        ("tag", "web", ["shown"]),
    ]


def test_a_feed_is_updated_when_its_latest_shown_entry_was():
    posts = [
        post("new", "2026-03-01"),
        post("old-but-revised", "2026-01-01", updated="2026-04-01 09:30"),
        post("oldest", "2025-12-01", updated="2026-05-01"),
    ]

    feeds, _ = plan(posts, limit=2)

    assert feed(feeds, "site").updated.isoformat() == "2026-04-01T09:30:00+08:00"


def test_a_feed_without_entries_has_a_fixed_date_neither_the_epoch_nor_the_build_time():
    feeds, _ = plan([])

    assert [spec.kind for spec in feeds] == ["site"]
    assert feeds[0].entries == ()
    assert feeds[0].updated == EMPTY_FEED_UPDATED == datetime(2000, 1, 1, tzinfo=UTC)


# --- names, slugs and their problems -----------------------------------------------


def test_tag_names_differing_only_in_case_share_one_feed_named_by_the_most_common_spelling():
    posts = [post("a", tags=("python",)), post("b", tags=("Python",)), post("c", "2026-01-29", tags=("python",))]

    feeds, problems = plan(posts)

    tag_feeds = [spec for spec in feeds if spec.kind == "tag"]
    assert [(spec.name, spec.slug, slugs_of(spec)) for spec in tag_feeds] == [("python", "python", ["a", "b", "c"])]
    assert problems == []


def test_tag_names_differing_only_in_unicode_normalisation_share_one_feed():
    posts = [post("nfc", tags=("Caf\u00e9",)), post("nfd", tags=("Cafe\u0301",))]

    feeds, _ = plan(posts)

    assert [(spec.slug, len(spec.entries)) for spec in feeds if spec.kind == "tag"] == [("caf\u00e9", 2)]


def test_a_long_tag_keeps_its_feed_folder_whichever_spelling_is_most_common():
    upper, lower = "A" * 121, "a" * 121
    before = [post("one", tags=(upper,)), post("two", tags=(upper,)), post("three", tags=(lower,))]
    after = before + [post("four", tags=(lower,)), post("five", tags=(lower,))]

    folder_before = feed(plan(before)[0], "tag", upper).folder
    folder_after = feed(plan(after)[0], "tag", lower).folder

    # A short name's folder never moves (test_tag_names_differing_only_in_case_...);
    # a subscriber's feed URL must not move for a long one either.
    assert folder_before == folder_after


def test_tag_slugs_in_the_config_choose_the_folder_whatever_the_spelling():
    config = replace(CONFIG, tag_slugs=(("区块链", "blockchain"),))

    feeds, _ = plan([post("a", tags=("区块链",))], config=config)

    tag_feed = feed(feeds, "tag", "区块链")
    assert (tag_feed.folder, tag_feed.url_folder) == ("tags/blockchain", "tags/blockchain")
    assert tag_feed.title == "Test Site · 区块链"


def test_two_tags_making_one_slug_are_a_problem_naming_both_their_files_and_the_config_key_that_fixes_it():
    posts = [post("a", tags=("C",)), post("b", tags=("C++",))]

    feeds, problems = plan(posts)

    assert [str(problem) for problem in problems] == [
        'posts/b.md:4: tags "C" (posts/a.md) and "C++" (posts/b.md) both make the slug "c"; '
        'give one its own in tag_slugs: {"C++": another-slug}'
    ]
    assert [(spec.name, spec.slug) for spec in feeds if spec.kind == "tag"] == [("C", "c")]


def test_two_categories_making_one_slug_point_at_category_slugs_and_the_categories_line():
    posts = [post("a", categories=("Fin Tech",)), post("b", categories=("fin-tech",))]

    _, problems = plan(posts)

    assert len(problems) == 1
    assert (problems[0].path, problems[0].line) == (Path("posts/b.md"), 3)
    assert problems[0].message.endswith('give one its own in category_slugs: {"fin-tech": another-slug}')


def test_a_category_collision_message_speaks_of_categories():
    posts = [post("a", categories=("Fin Tech",)), post("b", categories=("fin-tech",))]

    _, problems = plan(posts)

    assert [problem.message for problem in problems] == [
        'categories "Fin Tech" (posts/a.md) and "fin-tech" (posts/b.md) both make the slug "fin-tech"; '
        'give one its own in category_slugs: {"fin-tech": another-slug}'
    ]


def test_a_tag_without_letters_or_digits_is_a_problem_and_has_no_feed():
    feeds, problems = plan([post("a", tags=("+++", "web"))])

    assert [problem.message for problem in problems] == [
        'tag "+++" has no letter or digit to make a feed path from; give it one in tag_slugs: {"+++": some-slug}'
    ]
    assert [spec.name for spec in feeds if spec.kind == "tag"] == ["web"]


def test_two_posts_with_one_id_are_a_problem_naming_both_files():
    posts = [post("a", entry_id="urn:uuid:1"), post("b", "2026-01-29", entry_id="urn:uuid:1")]

    _, problems = plan(posts)

    assert [(problem.path, problem.message) for problem in problems] == [
        (Path("posts/b.md"), "has the same id/permalink as posts/a.md: urn:uuid:1")
    ]


# --- RFC 5005 archives -------------------------------------------------------------


def test_archive_pages_hold_every_post_oldest_first_in_pages_that_never_move():
    posts = [post(f"p{day}", f"2026-01-{day:02d}") for day in range(1, 6)]

    feeds, _ = plan(posts, limit=2, archive=True, archive_page_size=2)

    subscription, *pages = feeds
    assert (subscription.archive, slugs_of(subscription)) == (False, ["p5", "p4"])
    assert subscription.archive_links == (("prev-archive", "archive/3"),)
    assert [(page.folder, slugs_of(page)) for page in pages] == [
        ("archive/1", ["p2", "p1"]),
        ("archive/2", ["p4", "p3"]),
        ("archive/3", ["p5"]),
    ]
    assert all(page.archive for page in pages)
    assert pages[1].archive_links == (("current", ""), ("prev-archive", "archive/1"), ("next-archive", "archive/3"))
