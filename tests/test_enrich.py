"""Every paper gets a tag: tags inferred from neighbours, automatic topics, and suggest-tags."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from generator.atlas import build_atlas
from generator.cli import main
from generator.enrich.inference import InferredTag, infer_tags
from generator.enrich.suggest import suggest, to_yaml
from generator.enrich.taxonomy import load_taxonomy
from generator.enrich.topics import cluster_count, find_topics, topic_id
from generator.enrich.vectors import vectorize
from generator.model import Paper

ROOT = Path(__file__).resolve().parent.parent
ATLAS_CORPUS = ROOT / "tests" / "fixtures" / "atlas" / "corpus"  # the seed corpus snapshot
NEW_TOPICS = ROOT / "tests" / "fixtures" / "new_topics"


def paper(pid: str, title: str, abstract: str = "", source: str = "corpus/a.txt:1") -> Paper:
    return Paper(pid, title, abstract, None, None, None, None, (), ("a",), (source,))


def test_a_tag_is_inferred_when_three_of_five_neighbours_carry_it() -> None:
    papers = [paper(f"p{i}-0000000{i}", f"t{i}") for i in range(6)]
    rows = np.array([[1, 2, 3, 4, 5]] + [[0, -1, -1, -1, -1]] * 5)
    scores = np.array([[0.5, 0.4, 0.3, 0.2, 0.1]] + [[0.1, 0, 0, 0, 0]] * 5)
    tags = {
        "p1-00000001": ("a", "b"),
        "p2-00000002": ("a",),
        "p3-00000003": ("a", "b"),
        "p4-00000004": ("c",),
    }
    inferred = infer_tags(papers, rows, scores, tags)
    # "a": 3 of 5, 1.2 of 1.5 of the similarity; "b": only 2; "c": 1. Tagged papers get nothing.
    assert inferred == {"p0-00000000": (InferredTag("a", 3, 5),)}


def test_support_without_share_of_similarity_infers_nothing() -> None:
    papers = [paper(f"p{i}-0000000{i}", f"t{i}") for i in range(6)]
    rows = np.array([[1, 2, 3, 4, 5]] + [[-1] * 5] * 5)
    scores = np.array([[0.9, 0.8, 0.1, 0.1, 0.1]] + [[0.0] * 5] * 5)
    tags = {"p3-00000003": ("a",), "p4-00000004": ("a",), "p5-00000005": ("a",), "p1-00000001": ("b",)}
    # "a" is carried by 3 of 5 neighbours but they hold 0.3 of 2.0 of the similarity.
    assert infer_tags(papers, rows, scores, tags) == {}
    assert infer_tags(papers, rows, scores, tags, min_share=0.1) == {"p0-00000000": (InferredTag("a", 3, 5),)}


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


def test_topics_group_similar_papers_and_are_named_by_their_terms() -> None:
    papers = two_topic_papers()
    topics = find_topics(papers, vectorize(papers), list(range(len(papers))))
    assert cluster_count(len(papers)) == 2
    groups = sorted(sorted(t.papers) for t in topics)
    assert groups == [[p.id for p in papers[:4]], [p.id for p in papers[4:]]]
    names = {t.papers[0]: t.terms for t in topics}
    assert "robot" in names[papers[0].id]
    assert {"injection", "prompt", "jailbreak"} & set(names[papers[4].id])
    # The id comes from the founding paper (first file, first line), not from the cluster's makeup.
    assert {t.id for t in topics} == {topic_id(papers[0]), topic_id(papers[4])}
    assert find_topics(papers, vectorize(papers), list(range(len(papers)))) == topics


def test_a_topic_keeps_its_id_when_the_corpus_grows() -> None:
    papers = two_topic_papers()
    before = find_topics(papers, vectorize(papers), list(range(len(papers))))
    # A later file with papers on both topics, whose ids sort first.
    newcomers = [
        paper(
            "aaa-robot-00000001",
            "Robot locomotion on stairs",
            "A quadruped robot gait for locomotion.",
            "corpus/t.txt:3",
        ),
        paper(
            "aaa-inject-00000002",
            "Prompt injection in email agents",
            "Prompt injection hijacks agents.",
            "corpus/t.txt:9",
        ),
    ]
    grown = newcomers + papers
    after = find_topics(grown, vectorize(grown), list(range(len(grown))))
    assert {t.id for t in after} == {t.id for t in before}


def test_clusters_of_one_paper_join_a_larger_one() -> None:
    papers = [
        *two_topic_papers(),
        paper("odd-00000099", "Protein folding kinetics", "Folding of proteins.", "corpus/z.txt:1"),
    ]
    topics = find_topics(papers, vectorize(papers), list(range(len(papers))))
    assert all(len(t.papers) > 1 for t in topics)
    assert sum(len(t.papers) for t in topics) == len(papers)


@pytest.fixture(scope="module")
def grown_atlas(tmp_path_factory: pytest.TempPathFactory):
    corpus = tmp_path_factory.mktemp("corpus")
    for f in ATLAS_CORPUS.glob("*.txt"):
        shutil.copy(f, corpus)
    for f in NEW_TOPICS.glob("*.txt"):
        shutil.copy(f, corpus)
    return corpus, build_atlas(corpus, ROOT / "taxonomy.yml")


def test_every_paper_has_a_tag_also_on_topics_the_taxonomy_lacks(grown_atlas) -> None:
    _, atlas = grown_atlas
    untagged = [p.id for p in atlas.papers if not atlas.tags.get(p.id)]
    assert untagged  # robotics and LLM security are not in the taxonomy
    assert all(pid in atlas.inferred or pid in atlas.topic_of for pid in untagged)
    assert not set(atlas.inferred) & set(atlas.topic_of)
    # Inferred tags are kept apart from the rule tags they were inferred from.
    assert all(not atlas.tags.get(pid) for pid in atlas.inferred)
    assert atlas.topics


def test_suggested_entries_are_valid_taxonomy_and_tag_what_they_say(grown_atlas, tmp_path: Path) -> None:
    _, atlas = grown_atlas
    suggestions = suggest(atlas)
    assert len(suggestions) == len(atlas.topics)
    for s in suggestions:
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
    corpus, atlas = grown_atlas
    assert main(["suggest-tags", "--corpus", str(corpus), "--taxonomy", str(ROOT / "taxonomy.yml")]) == 0
    out = capsys.readouterr().out
    for topic in atlas.topics:
        assert f"# Automatic topic {topic.id}," in out
    assert out.count("  - id: ") == len(atlas.topics)
