"""Tag assignment (rules and vectors), automatic topics, "Not yet sorted", and suggest-tags: on fixtures only."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import yaml

from generator.atlas import build_atlas
from generator.cli import main
from generator.enrich.inference import InferredTag, Settings, assign, decide
from generator.enrich.suggest import suggest, to_yaml
from generator.enrich.tagging import Tag, Taxonomy, make_area
from generator.enrich.taxonomy import load_taxonomy
from generator.enrich.topics import MIN_COHERENCE, coherence, find_topics, keyphrases, topic_id
from generator.enrich.vectors import Space, vectorize
from generator.model import Paper

ROOT = Path(__file__).resolve().parent.parent
NEW_TOPICS = ROOT / "tests" / "fixtures" / "new_topics"


def paper(pid: str, title: str, abstract: str = "", source: str = "corpus/a.txt:1") -> Paper:
    return Paper(pid, title, abstract, None, None, None, None, (), ("a",), (source,))


# -- assignment: rules and vectors -------------------------------------------------------------------

DIFFUSION = Tag(
    "diffusion-models",
    "Diffusion models",
    "Denoising diffusion models.",
    "gen",
    phrases=("diffusion model", "score matching"),
    ambiguous=("diffusion",),
)
GRAPHS = Tag("graph-neural-networks", "GNNs", "Graph networks.", "geo", phrases=("graph neural network",))
LLM = Tag(
    "large-language-models",
    "LLMs",
    "Language models.",
    "lang",
    phrases=("language model",),
    yields_to=("any",),
)
AREAS = (
    make_area("gen", "Generation", "G.", ("cs.CV",)),
    make_area("geo", "Geometry", "G.", ("cs.LG",)),
    make_area("lang", "Language", "L.", ("cs.CL",)),
)
TAXONOMY = Taxonomy([DIFFUSION, GRAPHS, LLM], AREAS)


def run(
    texts: list[tuple[str, str]], similarity: list[list[float]] | None, **settings: float
) -> list[list[str]]:
    evidence = [TAXONOMY.evidence(t, a) for t, a in texts]
    plain = np.zeros((len(texts), 3), dtype=np.float32)
    ambiguous = np.zeros_like(plain)
    for i, found in enumerate(evidence):
        for e in found:
            plain[i, e.tag], ambiguous[i, e.tag] = e.plain, e.ambiguous
    sim = None if similarity is None else np.asarray(similarity, dtype=np.float32)
    kept, guessed = decide(TAXONOMY, plain, ambiguous, sim, Settings(**settings))  # type: ignore[arg-type]
    ids = [t.id for t in TAXONOMY.tags]
    return [[ids[j] for j in k] + [f"~{ids[j]}" for j, _ in g] for k, g in zip(kept, guessed, strict=True)]


HEAT = ("Heat diffusion on graphs", "We study heat diffusion over the nodes.")


def test_an_ambiguous_word_alone_does_not_tag() -> None:
    # "diffusion" in the title scores 3, but it is ambiguous: no other rule, no vector evidence.
    assert TAXONOMY.tag(*HEAT) == ()
    assert run([HEAT], None) == [[]]
    assert run([HEAT], [[0.05, 0.1, 0.0]]) == [[]]  # the vectors do not corroborate it either


def test_an_ambiguous_word_counts_when_corroborated() -> None:
    by_rule = ("Diffusion for images", "A diffusion model trained with score matching.")
    assert TAXONOMY.tag(*by_rule) == ("diffusion-models",)
    assert run([by_rule], None) == [["diffusion-models"]]
    # Corroborated by the vectors: the paper is near the tag's prototype (and nearest of all).
    assert run([HEAT], [[0.5, 0.1, 0.0]], corroborate=0.3, gap=0.1) == [["diffusion-models"]]


def test_vectors_veto_a_rule_tag_they_contradict() -> None:
    text = ("Graph neural network for molecules", "A graph neural network.")
    assert run([text], [[0.0, 0.5, 0.0]], gap=0.1) == [["graph-neural-networks"]]
    contradicted = [[0.6, 0.2, 0.0]]  # another tag is far nearer
    assert run([text], contradicted, gap=0.1, strong=1.0, fallback_rules=False) == [[]]


def test_a_paper_left_bare_keeps_its_best_rule_tag() -> None:
    # The vectors prefer another tag, but no other tag is given: the rule tag stays the primary.
    text = ("Graph neural network for molecules", "A graph neural network.")
    assert run([text], [[0.6, 0.2, 0.0]], gap=0.1, strong=1.0) == [["graph-neural-networks"]]
    # Not when the paper has a tag the vectors agree with.
    both = ("Graph neural network meets a diffusion model", "A graph neural network.")
    assert run([both], [[0.6, 0.2, 0.0]], gap=0.1, strong=1.0) == [["diffusion-models"]]


def test_primary_tag_first_and_broad_tags_yield() -> None:
    text = ("A graph neural network meets a diffusion model", "A language model, a graph neural network.")
    # Graphs: title + abstract hit; diffusion: title hit only; LLM is broad and yields to any other tag.
    assert run([text], None, keep_share=0.0, max_tags=3) == [["graph-neural-networks", "diffusion-models"]]
    assert run([text], [[0.4, 0.1, 0.1]], keep_share=0.0, max_tags=3, gap=1.0) == [
        ["diffusion-models", "graph-neural-networks"]
    ]
    assert run([("A language model", "")], None) == [["large-language-models"]]


def test_strong_vector_evidence_alone_infers_a_tag() -> None:
    text = ("Denoising images step by step", "Nothing any rule matches.")
    assert run([text], [[0.6, 0.1, 0.0]], strong=0.5, margin=0.1) == [["~diffusion-models"]]
    assert run([text], [[0.6, 0.55, 0.0]], strong=0.5, margin=0.1) == [[]]  # not clearly the nearest


def test_assign_uses_prototypes_from_the_shared_space() -> None:
    papers = [paper(f"p{i}-{i:08x}", t, a) for i, (t, a) in enumerate(ROBOTS + ATTACKS)]
    space = vectorize(papers)
    taxonomy = Taxonomy(
        [
            Tag(
                "robots",
                "Robot learning",
                "Robots that learn locomotion and grasping.",
                phrases=("quadruped",),
            ),
            Tag(
                "attacks",
                "Prompt injection",
                "Attacks on language model agents.",
                phrases=("prompt injection",),
            ),
        ]
    )
    evidence = [taxonomy.evidence(p.title, p.abstract) for p in papers]
    given = assign(taxonomy, [p.id for p in papers], evidence, space.semantic, space.centre)
    assert given.tags[papers[2].id] == ("robots",)  # "Quadruped robot gait transitions"
    assert given.tags[papers[4].id] == ("attacks",)
    assert all(isinstance(t, InferredTag) for ts in given.inferred.values() for t in ts)
    rules_only = assign(taxonomy, [p.id for p in papers], evidence, None, None)
    assert rules_only.inferred == {}


ROBOTS = [
    (
        "Legged robot locomotion over rubble",
        "A quadruped robot learns gait control for locomotion on rubble terrain.",
    ),
    (
        "Robot grasping with tactile skins",
        "A robot gripper uses tactile skins to grasp soft objects; grasp force control.",
    ),
    (
        "Quadruped robot gait transitions",
        "Gait transitions of a quadruped robot controlled by proprioception for locomotion.",
    ),
    (
        "Humanoid robot locomotion control",
        "Whole-body control of a humanoid robot for locomotion while carrying loads.",
    ),
]
ATTACKS = [
    (
        "Prompt injection attacks on agents",
        "Prompt injection in retrieved web pages hijacks language model agents.",
    ),
    (
        "Jailbreak prompts against chat models",
        "Jailbreak prompts bypass chat model safety with injection of roleplay.",
    ),
    (
        "Defending agents from prompt injection",
        "A defense separates instructions from data to stop prompt injection.",
    ),
    (
        "Measuring jailbreak success rates",
        "Judges of jailbreak prompts disagree on injection success and safety.",
    ),
]


def two_topic_papers() -> list[Paper]:
    texts = ROBOTS + ATTACKS
    return [
        paper(f"paper-{i}-{i:08x}", t, a, f"corpus/{'r' if i < 4 else 's'}.txt:{10 + i}")
        for i, (t, a) in enumerate(texts)
    ]


def test_coherent_clusters_become_topics_named_by_keyphrases() -> None:
    papers = two_topic_papers()
    found = find_topics(papers, vectorize(papers), list(range(len(papers))))
    groups = sorted(sorted(t.papers) for t in found.topics)
    assert groups == [[p.id for p in papers[:4]], [p.id for p in papers[4:]]]
    assert all(t.coherence >= MIN_COHERENCE for t in found.topics)
    # Names are keyphrases of two or three words, never single words.
    for topic in found.topics:
        assert topic.terms and all(len(term.split()) >= 2 for term in topic.terms), topic.terms
    names = {t.papers[0]: " ".join(t.terms) for t in found.topics}
    assert "robot" in names[papers[0].id] or "locomotion" in names[papers[0].id]
    assert "injection" in names[papers[4].id] or "jailbreak" in names[papers[4].id]
    # The id comes from the founding paper (first file, first line), not from the cluster's makeup.
    assert {t.id for t in found.topics} == {topic_id(papers[0]), topic_id(papers[4])}
    assert find_topics(papers, vectorize(papers), list(range(len(papers)))) == found


def test_an_incoherent_cluster_waits_not_yet_sorted() -> None:
    # Six papers whose semantic vectors are orthogonal: no two share anything, whatever the clusters.
    papers = [paper(f"odd-{i}-{i:08x}", f"Paper {i}", "") for i in range(6)]
    semantic = np.eye(6, dtype=np.float32)
    assert coherence(semantic) < MIN_COHERENCE
    space = Space(sp.csr_matrix(np.eye(6, dtype=np.float32)), np.array([f"w{i}" for i in range(6)]), semantic)
    found = find_topics(papers, space, list(range(6)))
    assert found.topics == ()
    assert found.unsorted == tuple(sorted(p.id for p in papers))


def test_coherence_is_the_mean_pairwise_cosine() -> None:
    rows = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    brute = np.mean([rows[i] @ rows[j] for i in range(3) for j in range(3) if i != j])
    assert coherence(rows) == pytest.approx(brute)


def test_keyphrases_prefer_multiword_phrases_that_several_members_use() -> None:
    papers = two_topic_papers()
    [robots, attacks] = keyphrases([papers[:4], papers[4:]], [])
    assert all(len(k.split()) >= 2 for k in (*robots, *attacks))
    assert len(set(robots)) == len(robots)


FIXTURE_TAXONOMY = """\
areas:
  - id: learning
    name: Learning
    description: Learning in general.
    arxiv: [cs.LG]
tags:
  - id: reinforcement-learning
    name: Reinforcement learning
    description: Agents that learn from reward.
    parent: learning
    match:
      phrases: [reinforcement learning, policy gradient]
"""


@pytest.fixture(scope="module")
def grown_atlas(tmp_path_factory: pytest.TempPathFactory):
    corpus = tmp_path_factory.mktemp("corpus")
    for f in NEW_TOPICS.glob("*.txt"):
        shutil.copy(f, corpus)
    taxonomy = corpus.parent / "taxonomy.yml"
    taxonomy.write_text(FIXTURE_TAXONOMY, encoding="utf-8")
    return corpus, taxonomy, build_atlas(corpus, taxonomy)


def test_papers_no_tag_fits_join_a_topic_or_wait_unsorted(grown_atlas) -> None:
    _, _, atlas = grown_atlas
    untagged = [p.id for p in atlas.papers if not atlas.tags.get(p.id) and p.id not in atlas.inferred]
    assert untagged  # robotics and LLM security are not in this taxonomy
    assert all((pid in atlas.topic_of) != (pid in atlas.unsorted) for pid in untagged)
    assert not set(atlas.inferred) & set(atlas.topic_of)
    assert atlas.topics


def test_suggested_entries_are_valid_taxonomy_and_tag_what_they_say(grown_atlas, tmp_path: Path) -> None:
    _, _, atlas = grown_atlas
    suggestions = suggest(atlas)
    assert len(suggestions) == len(atlas.topics)
    for s in suggestions:
        assert s.tag.name == s.topic.name  # suggest-tags names a tag as its topic is named
        assert s.tag.phrases[: len(s.topic.terms)] == s.topic.terms
        text = to_yaml(s, atlas)
        taxonomy_file = tmp_path / f"{s.tag.id}.yml"
        taxonomy_file.write_text("tags:\n" + text, encoding="utf-8")
        taxonomy, problems = load_taxonomy(taxonomy_file)
        assert problems == []
        [entry] = yaml.safe_load(text)
        assert entry["id"] == s.tag.id and entry["match"]["phrases"] == list(s.tag.phrases)
        tagged = {p.id for p in atlas.papers if taxonomy.tag(p.title, p.abstract)}
        assert tagged == set(s.members) | set(s.others)
        assert set(s.members) <= set(s.topic.papers)
    assert any(s.members for s in suggestions)


def test_suggest_tags_command(grown_atlas, capsys) -> None:
    corpus, taxonomy, atlas = grown_atlas
    assert main(["suggest-tags", "--corpus", str(corpus), "--taxonomy", str(taxonomy)]) == 0
    out = capsys.readouterr().out
    for topic in atlas.topics:
        assert f"# Automatic topic {topic.id}," in out
    assert out.count("  - id: ") == len(atlas.topics)
