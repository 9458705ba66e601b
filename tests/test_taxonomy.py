"""Tests for generator/taxonomy.py and the real taxonomy.yml."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.enrich.tagging import Tag, Taxonomy
from generator.enrich.taxonomy import load_taxonomy
from generator.model import Severity

ROOT = Path(__file__).resolve().parents[1]
TAXONOMY_FILE = ROOT / "taxonomy.yml"


def make_tag(
    tag_id: str,
    phrases: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    min_score: int = 2,
    parent: str | None = None,
) -> Tag:
    return Tag(tag_id, tag_id.title(), f"About {tag_id}.", parent, phrases, aliases, exclude, min_score)


TN = make_tag("tensor-networks", phrases=("tensor network", "matrix product state"), aliases=("MPS", "TT"))
ATTENTION = make_tag("attention", phrases=("attention", "transformer"), exclude=("attention to detail",))
SYMMETRY = make_tag("symmetry", phrases=("symmetry", "physics-informed", "process"))
DIFFUSION = make_tag("diffusion", phrases=("diffusion model", "diffusion", "score matching"))
NTK = make_tag("ntk", phrases=("neural tangent kernel", "lazy training"), aliases=("NTK",))
TAXONOMY = Taxonomy([TN, ATTENTION, SYMMETRY, DIFFUSION, NTK])


def tagged(title: str, abstract: str = "", taxonomy: Taxonomy = TAXONOMY) -> tuple[str, ...]:
    return taxonomy.tag(title, abstract)


# -- matching --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Attention is all you need", True),
        ("ATTENTION, please", True),
        ("Multi-head self-attention layers", True),  # a hyphen is a word boundary
        ("(attention)", True),
        ("Attentional control in humans", False),  # whole words only
        ("Inattention blindness", False),
        ("attention_map visualisation", False),  # underscore is a word character
        ("attention2vec", False),
    ],
)
def test_phrase_is_case_insensitive_and_whole_word(title: str, expected: bool) -> None:
    assert ("attention" in tagged(title)) is expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Tensor networks for learning", True),  # +s
        ("Broken symmetries of weights", True),  # y -> ies
        ("Gaussian processes", True),  # +es after s
        ("Tensor networking events", False),
        ("Symmetrys", True),  # the naive +s plural is accepted too
    ],
)
def test_plural_tolerance(title: str, expected: bool) -> None:
    tags = tagged(title)
    assert ("tensor-networks" in tags or "symmetry" in tags) is expected


def test_hyphen_and_space_are_interchangeable() -> None:
    assert "symmetry" in tagged("Physics informed neural networks")
    assert "symmetry" in tagged("Physics-informed neural networks")
    assert "tensor-networks" in tagged("Tensor-network states")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Learning with MPS", True),
        ("Learning with MPSs", True),  # alias plural
        ("Compression via (TT) format", True),
        ("PLDR-MPS models", True),
        ("Learning with mps", False),  # aliases are case-sensitive
        ("Learning with Mps", False),
        ("MPSX accelerators", False),  # whole words only
        ("TTL caches", False),
    ],
)
def test_alias_is_case_sensitive_and_whole_word(title: str, expected: bool) -> None:
    assert ("tensor-networks" in tagged(title)) is expected


def test_lowercase_alias_does_not_match_other_cases() -> None:
    # Aliases are matched on the original text only, never on the lowered copy used for phrases.
    taxonomy = Taxonomy([make_tag("lower", aliases=("mamba",))])
    assert taxonomy.tag("mamba layers", "") == ("lower",)
    assert taxonomy.tag("Mamba layers", "") == ()
    assert taxonomy.tag("MAMBA layers", "") == ()


def test_title_hit_scores_three_abstract_hits_score_one_each() -> None:
    # One rule in the title is enough (3 >= 2) ...
    assert tagged("A transformer", "") == ("attention",)
    # ... one rule in the abstract is not (1 < 2), however often it is repeated ...
    assert tagged("Untitled", "The transformer. Another transformer. Transformers everywhere.") == ()
    # ... but two different rules in the abstract are.
    assert tagged("Untitled", "A transformer uses attention.") == ("attention",)


def test_scores_report_the_rules_found() -> None:
    (score,) = TAXONOMY.scores("A transformer", "Transformers use attention; attention is cheap.")
    assert score.tag == "attention"
    assert score.title_hits == ("transformer",)
    assert score.abstract_hits == ("attention", "transformer")
    assert score.score == 3 + 2
    assert score.assigned


@pytest.mark.parametrize(
    ("min_score", "title", "abstract", "expected"),
    [
        (1, "Untitled", "A transformer.", True),
        (2, "Untitled", "A transformer.", False),
        (4, "A transformer", "", False),  # 3 < 4
        (4, "A transformer", "It uses attention.", True),  # 3 + 1
        (4, "Untitled", "A transformer uses attention.", False),  # 2 < 4
    ],
)
def test_min_score(min_score: int, title: str, abstract: str, expected: bool) -> None:
    taxonomy = Taxonomy([make_tag("attention", phrases=("attention", "transformer"), min_score=min_score)])
    assert (tagged(title, abstract, taxonomy) == ("attention",)) is expected


def test_exclude_removes_only_the_overlapping_hit() -> None:
    assert tagged("Untitled", "We pay attention to detail when using a transformer.") == ()
    assert tagged("Attention to detail", "") == ()
    # A second, independent mention still counts.
    assert tagged("Untitled", "Attention to detail matters in a transformer with attention.") == (
        "attention",
    )


def test_exclude_is_per_tag() -> None:
    other = make_tag("detail", phrases=("attention to detail",))
    taxonomy = Taxonomy([ATTENTION, other])
    assert tagged("Attention to detail", "", taxonomy) == ("detail",)


def test_rule_inside_a_longer_rule_of_the_same_tag_counts_once() -> None:
    assert tagged("Untitled", "We train a diffusion model.") == ()
    assert tagged("Untitled", "We train a diffusion model; diffusion is slow.") == ("diffusion",)
    assert tagged("Untitled", "A diffusion model trained by score matching.") == ("diffusion",)


def test_acronym_after_its_expansion_counts_once() -> None:
    assert tagged("Untitled", "The neural tangent kernel (NTK) of wide nets.") == ()
    assert tagged("Untitled", "The neural tangent kernel ( NTK ) of wide nets; the NTK is fixed.") == ("ntk",)
    assert tagged("Untitled", "NTK and lazy training.") == ("ntk",)


def test_results_are_sorted_by_id_and_parents_are_not_implied() -> None:
    parent = make_tag("tensors", phrases=("tensor decomposition",))
    child = make_tag("tensor-networks", phrases=("tensor network",), parent="tensors")
    zeta = make_tag("zeta", phrases=("network",))
    taxonomy = Taxonomy([zeta, parent, child])
    assert taxonomy.tag("Tensor network", "") == ("tensor-networks", "zeta")
    assert taxonomy.tag("Tensor network and tensor decomposition", "") == (
        "tensor-networks",
        "tensors",
        "zeta",
    )


def test_indexes_stay_aligned_when_lowercasing_changes_length() -> None:
    # "İ".lower() is two code points; hits after it must still land on word boundaries.
    assert len("İ".lower()) == 2
    assert tagged("İİİ MPS and a tensor network", "") == ("tensor-networks",)
    assert tagged("İstanbul: attention", "") == ("attention",)
    assert tagged("İattention", "") == ()


def test_empty_inputs() -> None:
    assert tagged("", "") == ()
    assert Taxonomy([]).tag("A transformer", "attention") == ()


@given(
    prefix=st.text(alphabet=" .,;:()[]!?'\"/", max_size=5),
    suffix=st.text(alphabet=" .,;:()[]!?'\"/", max_size=5),
    upper=st.booleans(),
)
def test_property_phrase_between_separators_always_matches(prefix: str, suffix: str, upper: bool) -> None:
    phrase = "TENSOR NETWORK" if upper else "tensor network"
    assert "tensor-networks" in tagged(prefix + phrase + suffix)


@given(glue=st.sampled_from("abcxyzABC019_é"))
def test_property_phrase_glued_to_a_word_character_never_matches(glue: str) -> None:
    assert tagged(glue + "tensor network", "") == ()
    assert tagged("tensor network" + "x" + glue, "") == ()


@given(prefix=st.text(max_size=30), abstract=st.text(max_size=60))
def test_property_any_text_is_safe_and_alignment_holds(prefix: str, abstract: str) -> None:
    result = TAXONOMY.tag(prefix + " MPS", abstract)
    assert list(result) == sorted(set(result))
    assert set(result) <= set(TAXONOMY.by_id)
    assert "tensor-networks" in result


# -- structure -------------------------------------------------------------------------------------


def test_structure_navigation() -> None:
    tags = [
        make_tag("root", phrases=("a",)),
        make_tag("child", phrases=("b",), parent="root"),
        make_tag("grandchild", phrases=("c",), parent="child"),
        make_tag("sibling", phrases=("d",), parent="root"),
        make_tag("other", phrases=("e",)),
    ]
    taxonomy = Taxonomy(tags)
    assert [tag.id for tag in taxonomy.tags] == ["root", "child", "grandchild", "sibling", "other"]
    assert [tag.id for tag in taxonomy.children("root")] == ["child", "sibling"]
    assert [tag.id for tag in taxonomy.children("child")] == ["grandchild"]
    assert [tag.id for tag in taxonomy.roots()] == ["root", "other"]
    assert taxonomy.by_id["sibling"].parent == "root"
    assert "child" in taxonomy
    assert len(taxonomy) == 5
    with pytest.raises(KeyError):
        taxonomy.children("missing")
    with pytest.raises(TypeError):
        taxonomy.by_id["x"] = tags[0]  # type: ignore[index]


def test_tag_identity_is_its_id() -> None:
    a = make_tag("a", phrases=("x",))
    a_again = make_tag("a", phrases=("y",), min_score=5)
    b = make_tag("b", phrases=("x",))
    assert a == a_again
    assert hash(a) == hash(a_again)
    assert sorted([b, a]) == [a, b]
    assert len({a, a_again, b}) == 2


@pytest.mark.parametrize(
    "tags",
    [
        [make_tag("a", phrases=("x",)), make_tag("a", phrases=("y",))],
        [make_tag("a", phrases=("x",), parent="missing")],
        [make_tag("a", phrases=("x",), parent="b"), make_tag("b", phrases=("y",), parent="a")],
        [make_tag("a")],
    ],
)
def test_taxonomy_constructor_checks_invariants(tags: list[Tag]) -> None:
    with pytest.raises(ValueError, match=r"."):
        Taxonomy(tags)


# -- loading and validation ------------------------------------------------------------------------

VALID = """\
# a comment
tags:
  - id: tensors
    name: Tensor methods
    description: Tensors.
    match:
      phrases: [tensor]
  - id: tensor-networks
    name: Tensor networks
    description: Networks of tensors.
    parent: tensors
    match:
      phrases: [tensor network, matrix product state]
      aliases: [MPS]
      exclude: [tensor network analyzer]
    min_score: 3
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "taxonomy.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_load_valid_file(tmp_path: Path) -> None:
    taxonomy, diagnostics = load_taxonomy(write(tmp_path, VALID))
    assert diagnostics == []
    tn = taxonomy.by_id["tensor-networks"]
    assert tn == Tag("tensor-networks", "", "")
    assert (tn.name, tn.description, tn.parent) == ("Tensor networks", "Networks of tensors.", "tensors")
    assert tn.phrases == ("tensor network", "matrix product state")
    assert tn.aliases == ("MPS",)
    assert tn.exclude == ("tensor network analyzer",)
    assert tn.min_score == 3
    assert taxonomy.by_id["tensors"].min_score == 2
    assert taxonomy.tag("Tensor networks", "") == ("tensor-networks", "tensors")


def line_of(text: str, marker: str) -> int:
    """1-based line of the line containing ``marker``; ``marker#2`` means its second occurrence."""
    marker, _, nth = marker.partition("#")
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert hits, f"{marker!r} not in text"
    return hits[int(nth or 1) - 1]


def tag_entry(tag_id: str, extra: str = "", match: str = "      phrases: [x]\n") -> str:
    return f"  - id: {tag_id}\n    name: N\n    description: D.\n{extra}    match:\n{match}"


INVALID_CASES = [
    pytest.param(
        "tags:\n" + tag_entry("good") + "  - id: bad\n    description: D.\n    match:\n      phrases: [x]\n",
        "id: bad",
        "missing required key 'name'",
        id="missing-name",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + "  - name: N\n    description: D.\n    match:\n      phrases: [x]\n",
        "- name: N",
        "missing required key 'id'",
        id="missing-id",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + "  - id: x\n    name: N\n    description: D.\n",
        "id: x",
        "missing required key 'match'",
        id="missing-match",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("Tensor_Nets"),
        "id: Tensor_Nets",
        "id must be lowercase",
        id="bad-id",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("-leading"),
        "id: -leading",
        "id must be lowercase",
        id="bad-id-hyphen",
    ),
    pytest.param(
        "tags:\n" + tag_entry("dup") + tag_entry("other") + tag_entry("dup"),
        "id: dup#2",
        "duplicate tag id 'dup'",
        id="duplicate-id",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("orphan", "    parent: nowhere\n"),
        "id: orphan",
        "unknown parent 'nowhere'",
        id="unknown-parent",
    ),
    pytest.param(
        "tags:\n"
        + tag_entry("good")
        + tag_entry("a", "    parent: c\n")
        + tag_entry("b", "    parent: a\n")
        + tag_entry("c", "    parent: b\n"),
        "id: a",
        "parent cycle: a -> c -> b -> a",
        id="cycle",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("self", "    parent: self\n"),
        "id: self",
        "is its own parent",
        id="self-parent",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("empty", match="      phrases: []\n      aliases: []\n"),
        "id: empty",
        "empty match rules",
        id="empty-match",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("nulls", match="      exclude: [y]\n"),
        "id: nulls",
        "empty match rules",
        id="only-exclude",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("odd", "    colour: red\n"),
        "id: odd",
        "unknown key 'colour'",
        id="unknown-tag-key",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("odd", match="      phrase: [x]\n"),
        "id: odd",
        "unknown key 'match.phrase'",
        id="unknown-match-key",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("odd", "    min_score: two\n"),
        "id: odd",
        "min_score must be a positive integer",
        id="min-score-text",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("odd", "    min_score: 0\n"),
        "id: odd",
        "min_score must be a positive integer",
        id="min-score-zero",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("odd", "    min_score: true\n"),
        "id: odd",
        "min_score must be a positive integer",
        id="min-score-bool",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("odd", match="      phrases: tensor network\n"),
        "id: odd",
        "match.phrases must be a list of strings",
        id="phrases-not-list",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("odd", match="      phrases: ['()']\n"),
        "id: odd",
        "contains no letter or digit",
        id="phrase-without-word",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("odd", match="      phrases: [[nested]]\n"),
        "id: odd",
        "must be a non-empty string",
        id="phrase-not-string",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("odd", match="      aliases: [~]\n"),
        "id: odd",
        "must be a non-empty string",
        id="alias-null",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + "  - id: odd\n    name: ''\n    description: D.\n    match:\n"
        "      phrases: [x]\n",
        "id: odd",
        "name must be a non-empty string",
        id="empty-name",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("odd", "    name: again\n"),
        "id: odd",
        "duplicate key 'name'",
        id="duplicate-key",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + tag_entry("odd", match="      - x\n"),
        "id: odd",
        "match must be a mapping",
        id="match-not-mapping",
    ),
    pytest.param(
        "tags:\n" + tag_entry("good") + "  - just a string\n",
        "just a string",
        "must be a mapping",
        id="tag-scalar",
    ),
    pytest.param("tags:\n  id: x\n", "id: x", "'tags' must be a list", id="tags-not-list"),
    pytest.param("- a\n- b\n", "- a", "must be a mapping with a 'tags' list", id="root-not-mapping"),
    pytest.param("tags: []\nextra: 1\n", "extra", "unknown top-level key 'extra'", id="unknown-root-key"),
    pytest.param("other: 1\n", "other", "missing top-level key 'tags'", id="missing-tags"),
    pytest.param("tags:\n  - id: a\n    name: a: b\n", "name: a: b", "invalid YAML", id="yaml-syntax"),
    pytest.param("tags:\n  - id: a\n\tname: tab\n", "\tname", "invalid YAML", id="yaml-tab"),
]


AREA = "areas:\n  - id: area-a\n    name: A\n    description: An area.\n    arxiv: [cs.CL]\n"

INVALID_CASES += [
    pytest.param(
        AREA
        + "  - id: area-b\n    name: B\n    description: B.\n"
        + "tags:\n"
        + tag_entry("t", "    parent: area-a\n"),
        "id: area-b",
        "missing required key 'arxiv'",
        id="area-without-arxiv",
    ),
    pytest.param(
        AREA
        + "  - id: area-c\n    name: C\n    description: C.\n    arxiv: [CL]\n"
        + "tags:\n"
        + tag_entry("t"),
        "id: area-c",
        "is not an arXiv category",
        id="area-bad-arxiv",
    ),
    pytest.param(
        AREA
        + "  - id: area-a\n    name: A2\n    description: A.\n    arxiv: [cs.CV]\n"
        + "tags:\n"
        + tag_entry("t"),
        "id: area-a#2",
        "duplicate area id 'area-a'",
        id="area-duplicate",
    ),
    pytest.param(
        AREA + "tags:\n" + tag_entry("area-a", "    parent: area-a\n"),
        "id: area-a#2",
        "already an area",
        id="tag-id-is-an-area-id",
    ),
    pytest.param(
        AREA + "tags:\n" + tag_entry("t1", "    parent: area-a\n") + tag_entry("t2", "    parent: t1\n"),
        "id: t2",
        "is a tag, not an area",
        id="three-levels",
    ),
    pytest.param(
        AREA + "tags:\n" + tag_entry("t1", "    parent: nowhere\n"),
        "id: t1",
        "unknown parent 'nowhere'",
        id="unknown-area",
    ),
    pytest.param(
        "tags:\n"
        + tag_entry("t1", match="      phrases: [diffusion model, kernel]\n      ambiguous: [kernel]\n"),
        "id: t1",
        "'kernel' is both a phrase and ambiguous",
        id="phrase-and-ambiguous",
    ),
    pytest.param(
        "tags:\n" + tag_entry("t1", "    yields_to: [nobody]\n"),
        "id: t1",
        "yields_to names 'nobody'",
        id="yields-to-unknown",
    ),
]


def test_load_areas_and_ambiguous_rules(tmp_path: Path) -> None:
    text = (
        AREA
        + "tags:\n"
        + tag_entry(
            "diff",
            "    parent: area-a\n    yields_to: any\n",
            "      phrases: [diffusion model]\n      ambiguous: [diffusion]\n",
        )
    )
    taxonomy, diagnostics = load_taxonomy(write(tmp_path, text))
    assert diagnostics == []
    [area] = taxonomy.areas
    assert (
        area.is_area and area.arxiv == ("cs.CL",) and taxonomy.children("area-a") == (taxonomy.by_id["diff"],)
    )
    assert [t.id for t in taxonomy.tags] == ["diff"] and [t.id for t in taxonomy.pages] == ["area-a", "diff"]
    assert taxonomy.area_of("diff") == area
    tag = taxonomy.by_id["diff"]
    assert tag.ambiguous == ("diffusion",) and tag.yields_to == ("any",)
    assert taxonomy.tag("Heat diffusion", "") == ()  # alone, an ambiguous word never tags
    assert taxonomy.tag("Diffusion", "a diffusion model") == ("diff",)  # corroborated by a phrase
    [evidence] = taxonomy.evidence("Heat diffusion", "")
    assert (evidence.plain, evidence.ambiguous) == (0, 3)
    assert evidence.score(corroborated=True) == 3 and evidence.score(corroborated=False) == 0


@pytest.mark.parametrize(("text", "marker", "message"), INVALID_CASES)
def test_validation_errors_carry_the_tag_line(tmp_path: Path, text: str, marker: str, message: str) -> None:
    path = write(tmp_path, text)
    taxonomy, diagnostics = load_taxonomy(path)
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    assert errors, diagnostics
    expected_line = line_of(text, marker)
    matching = [d for d in errors if message in d.message]
    assert matching, [str(d) for d in errors]
    assert [d.line for d in matching] == [expected_line], [str(d) for d in errors]
    assert all(d.path == str(path) for d in diagnostics)
    assert isinstance(taxonomy, Taxonomy)


def test_empty_file_and_missing_file(tmp_path: Path) -> None:
    _, diagnostics = load_taxonomy(write(tmp_path, ""))
    assert [(d.line, d.severity) for d in diagnostics] == [(0, Severity.ERROR)]
    missing = tmp_path / "nope.yml"
    taxonomy, diagnostics = load_taxonomy(missing)
    assert len(taxonomy) == 0
    assert [(d.path, d.line, d.severity) for d in diagnostics] == [(str(missing), 0, Severity.ERROR)]
    assert "cannot read" in diagnostics[0].message


def test_broken_file_keeps_the_valid_tags_usable(tmp_path: Path) -> None:
    text = (
        "tags:\n"
        + tag_entry("good", match="      phrases: [tensor network]\n")
        + tag_entry("a", "    parent: b\n")
        + tag_entry("b", "    parent: a\n")
        + tag_entry("orphan", "    parent: nowhere\n")
        + tag_entry("kid", "    parent: good\n")
        + "  - id: BAD\n"
    )
    taxonomy, diagnostics = load_taxonomy(write(tmp_path, text))
    assert {d.severity for d in diagnostics} == {Severity.ERROR}
    assert [tag.id for tag in taxonomy.tags] == ["good", "a", "b", "orphan", "kid"]
    assert taxonomy.by_id["a"].parent is None  # detached from the cycle
    assert taxonomy.by_id["orphan"].parent is None
    assert taxonomy.by_id["kid"].parent == "good"
    assert taxonomy.tag("Tensor networks", "") == ("good",)


def test_duplicate_rules_are_warnings_not_errors(tmp_path: Path) -> None:
    text = "tags:\n" + tag_entry("t", match="      phrases: [state space model, State-Space Model]\n")
    taxonomy, diagnostics = load_taxonomy(write(tmp_path, text))
    assert [(d.line, d.severity) for d in diagnostics] == [(2, Severity.WARNING)]
    assert "repeats" in diagnostics[0].message
    # ... and the two spellings are one rule: one abstract mention of each is still one hit.
    assert taxonomy.tag("Untitled", "A state space model, i.e. a state-space model.") == ()


# -- the real taxonomy -----------------------------------------------------------------------------


OLD_TAG_IDS = (
    "architectures attention-transformers linear-attention convolutional-networks recurrent-networks "
    "state-space-models mixture-of-experts activation-functions hypernetworks-weight-space "
    "complex-valued-networks neural-architecture-search efficient-deep-learning quantization pruning-sparsity "
    "tensors tensor-networks tensor-decomposition theory expressivity-approximation generalization "
    "kernel-methods training-dynamics category-theory optimization geometric-deep-learning "
    "equivariance-symmetry graph-neural-networks scientific-ml neural-operators-pdes physics-inspired "
    "neuroscience spiking-neural-networks hopfield-associative-memory learning-rules generative-models "
    "diffusion-models probabilistic-deep-learning statistical-learning representation-learning "
    "continual-learning interpretability robustness-safety large-language-models reinforcement-learning "
    "computer-vision neural-fields signal-processing neuro-symbolic"
).split()


def test_real_taxonomy_is_valid_and_documented() -> None:
    taxonomy, diagnostics = load_taxonomy(TAXONOMY_FILE)
    assert [str(d) for d in diagnostics] == []
    assert 90 <= len(taxonomy) <= 130
    assert 20 <= len(taxonomy.areas) <= 30
    for tag in taxonomy.pages:
        assert tag.name.strip(), tag.id
        assert len(tag.description) >= 30, tag.id
        assert tag.description.rstrip().endswith("."), tag.id
    for area in taxonomy.areas:
        assert area.arxiv, area.id
        assert taxonomy.children(area.id), area.id
    # Two levels: every tag under an area.
    for tag in taxonomy.tags:
        assert tag.parent in {a.id for a in taxonomy.areas}, tag.id
    required = {
        "web-agents": "agents",
        "vision-language-action": "robotics",
        "ocr": "documents",
        "spoken-language-models": "speech-audio",
        "rl-for-llms": "alignment",
        "jailbreaks": "safety",
        "tensor-networks": "tensors",
        "kernel-methods": "theory",
        "quantization": "efficiency",
        "efficient-deep-learning": "efficiency",
        "generative-models": "image-generation",
        "scientific-ml": "science",
        "linear-attention": "architectures",
        "reinforcement-learning": "learning",
    }
    for tag_id, parent in required.items():
        assert taxonomy.by_id[tag_id].parent == parent, tag_id


def test_old_tag_urls_still_exist() -> None:
    """Every id of the old 48-tag taxonomy is still a page (tags/<id>/): a tag, or an area."""
    taxonomy, _ = load_taxonomy(TAXONOMY_FILE)
    assert len(OLD_TAG_IDS) == 48
    assert sorted(set(OLD_TAG_IDS) - set(taxonomy.by_id)) == []
    for area_id in ("architectures", "theory", "tensors", "geometric-deep-learning", "neuroscience"):
        assert taxonomy.by_id[area_id].is_area


AMBIGUOUS_WORDS = (
    "diffusion",
    "agent",
    "attribution",
    "symmetry",
    "tokenizer",
    "kernel",
    "attention",
    "transformer",
)


def test_words_with_two_meanings_are_never_plain_phrases() -> None:
    taxonomy, _ = load_taxonomy(TAXONOMY_FILE)
    for tag in taxonomy.tags:
        plain = {_normalize(p) for p in (*tag.phrases, *tag.aliases)}
        assert not plain & set(AMBIGUOUS_WORDS), (tag.id, plain & set(AMBIGUOUS_WORDS))


def _normalize(word: str) -> str:
    return " ".join(word.lower().replace("-", " ").split())


@pytest.mark.parametrize(
    ("title", "abstract", "present", "absent"),
    [
        (
            "Heat Diffusion on Graphs",
            "We model heat diffusion between nodes of a graph.",
            set(),
            {"diffusion-models"},
        ),
        (
            "A Speech Tokenizer for Spoken Dialogue",
            "We quantize speech into discrete tokens with residual vector quantization.",
            {"spoken-language-models"},
            {"quantization"},
        ),
        (
            "Citing Sources in Long Answers",
            "Attribution of each claim to retrieved documents in retrieval-augmented generation.",
            {"retrieval-augmented-generation"},
            {"interpretability"},
        ),
        (
            "WebArena Agents That Browse",
            "An LLM agent trained with reinforcement learning.",
            {"web-agents"},
            set(),
        ),
        ("Kimi Linear: An Expressive, Efficient Attention Architecture", "", {"linear-attention"}, set()),
        ("Supervised Learning with Quantum-Inspired Tensor Networks", "", {"tensor-networks"}, set()),
        (
            "E(n) Equivariant Graph Neural Networks",
            "",
            {"equivariance-symmetry", "graph-neural-networks"},
            set(),
        ),
        ("INSTA-BNN: Binary Neural Network with INSTAnce-aware Threshold", "", {"quantization"}, set()),
        (
            "Spiking Denoising Diffusion Probabilistic Models",
            "",
            {"spiking-neural-networks", "diffusion-models"},
            set(),
        ),
        ("Attention to Detail in Kernel Launches", "We tune the GPU kernel.", set(), {"kernel-methods"}),
    ],
)
def test_rules_of_the_real_taxonomy(title: str, abstract: str, present: set[str], absent: set[str]) -> None:
    """The rules alone (no vectors): ambiguous words never tag on their own."""
    taxonomy, _ = load_taxonomy(TAXONOMY_FILE)
    found = set(taxonomy.tag(title, abstract))
    assert present <= found, found
    assert not (absent & found), found
