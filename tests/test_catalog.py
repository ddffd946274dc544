"""The dataset catalogue: every entry complete, checksums well-formed, layouts consistent."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from textsr.data import catalog

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "datasets.md"

STUDY = {"icdar2013", "icdar2015", "icdar2017_mlt", "msra_td500", "ctw1500", "totaltext", "div2k", "textzoom",
         "set5", "set14", "b100", "urban100"}


def sources(spec: dict) -> list[dict]:
    out = []
    for sp in spec["splits"].values():
        out += sp.get("images", []) + list(sp.get("gt", {}).values()) + list(sp.get("lr", {}).values())
    return out


def test_every_dataset_of_the_study_is_in_the_catalogue():
    assert STUDY <= set(catalog.DATASETS)


@pytest.mark.parametrize("name", sorted(catalog.DATASETS))
def test_dataset_entry_is_complete(name):
    spec = catalog.dataset(name)
    for key in ("title", "family", "page", "licence", "splits"):
        assert spec.get(key), f"{name}: {key} missing"
    assert spec["family"] in catalog.FAMILIES
    assert urlparse(spec["page"]).scheme in ("http", "https")
    for split, sp in spec["splits"].items():
        assert re.fullmatch(r"[a-z0-9_]+", split)
        assert isinstance(sp.get("count"), int) and sp["count"] > 0
        if spec["family"] == "detection":
            assert spec["protocol"] and sp["images"] and sp["default_gt"] in sp["gt"]
            for variant, src in sp["gt"].items():
                assert re.fullmatch(r"[a-z0-9]+", variant)
                assert "{stem}" in src["name"] and src.get("format")
        elif spec["family"] == "sr_pairs":
            assert sp["images"] and set(sp["lr"]) == {2, 3, 4}
            assert all("{stem}" in s["name"] and "{scale}" in s["name"] for s in sp["lr"].values())
        else:
            assert sp["archive"] in catalog.ARCHIVES and sp["lmdb"] and sp["scale"] == 2
    for src in sources(spec):
        assert src["archive"] in catalog.ARCHIVES, f"{name}: unknown archive {src['archive']}"
        assert not src["path"].startswith("/") and ".." not in src["path"].split("/")


@pytest.mark.parametrize("file_name", sorted(catalog.ARCHIVES))
def test_archive_entry_is_complete_and_checksums_are_well_formed(file_name):
    entry = catalog.archive(file_name)
    assert "/" not in file_name and file_name.strip() == file_name
    assert urlparse(entry["page"]).scheme in ("http", "https")
    assert entry["kind"] in ("file", "folder") and entry["where"] in ("downloads", "weights")
    for url in entry["urls"]:
        assert urlparse(url).scheme in ("http", "https") and urlparse(url).netloc
    if not entry["urls"]:
        assert entry["manual"] and (entry["note"] or entry["page"])
    if entry["md5"] is not None:
        assert re.fullmatch(r"[0-9a-f]{32}", entry["md5"])
    if entry["sha256"] is not None:
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
    if entry["size"] is not None:
        assert isinstance(entry["size"], int) and entry["size"] > 0
    if entry["md5"] is None and entry["sha256"] is None:
        assert entry["manual"] or "first" in entry["note"], "no checksum: say how the file is trusted"


def test_every_archive_is_used_by_a_dataset_or_a_weights_entry():
    used = {s["archive"] for spec in catalog.DATASETS.values() for s in sources(spec)}
    used |= {sp["archive"] for spec in catalog.DATASETS.values() for sp in spec["splits"].values() if "archive" in sp}
    used |= {f for w in catalog.WEIGHTS.values() for f in w["files"].values()}
    assert used == set(catalog.ARCHIVES)


def test_no_two_archives_share_a_checksum():
    md5s = [e["md5"] for e in catalog.ARCHIVES.values() if e["md5"]]
    assert len(md5s) == len(set(md5s))


@pytest.mark.skipif(not REFERENCE.is_file(), reason=f"{REFERENCE} not found")
def test_checksums_sizes_and_urls_are_those_of_the_reference_report():
    text = REFERENCE.read_text()
    for name, entry in catalog.ARCHIVES.items():
        for key in ("md5", "sha256"):
            if entry[key]:
                assert entry[key] in text, f"{name}: {key} {entry[key]} not in datasets.md"
        if entry["size"]:
            assert str(entry["size"]) in text, f"{name}: size not in datasets.md"
        for url in entry["urls"]:
            # the report abbreviates repeated URLs (MLT parts, box ids): check the distinctive last part
            tail = url.rsplit("/", 1)[-1].replace("%7E", "~")
            assert tail[:8] in text, f"{name}: URL {url} not in datasets.md"


def test_required_files_follow_splits_variants_and_scales():
    assert catalog.required_files("icdar2015", ["test"]) == ["ch4_test_images.zip", "Challenge4_Test_Task4_GT.zip"]
    assert catalog.required_files("ctw1500", ["test"]) == ["ctw1500_test_images.zip", "ctw1500.zip"]
    assert catalog.required_files("ctw1500", ["test"], gt=["2020"]) == ["ctw1500_test_images.zip",
                                                                        "ctw1500_test_labels.zip"]
    assert catalog.required_files("div2k", ["train"], lr_scales=[2, 4]) == [
        "DIV2K_train_HR.zip", "DIV2K_train_LR_bicubic_X2.zip", "DIV2K_train_LR_bicubic_X4.zip"]
    assert catalog.required_files("set14") == ["benchmark.tar"]
    assert catalog.required_files("textzoom", ["train", "test_easy"]) == ["TextZoom"]
    assert len(catalog.required_files("icdar2017_mlt", ["train"])) == 9
    with pytest.raises(KeyError, match="unknown gt variant"):
        catalog.required_files("ctw1500", ["test"], gt=["2021"])
    with pytest.raises(KeyError, match="has no split 'val'"):
        catalog.required_files("div2k", ["val"])


def test_gt_dirs_and_weights_names():
    assert catalog.gt_dir("totaltext", "test") == "test/gt"
    assert catalog.gt_dir("totaltext", "test", "mat") == "test/gt"
    assert catalog.gt_dir("totaltext", "test", "txt") == "test/gt_txt"
    assert catalog.weights_file(3) == "RCAN_BIX3.pt"
    with pytest.raises(KeyError, match="unknown dataset"):
        catalog.dataset("icdar2019")


def test_dataset_keys_fit_the_workflow_wildcards():
    # common.smk: dataset=[a-z0-9_]+ ; the config schema's testset / trainset names: ^[a-z0-9][a-z0-9_]*$
    for name in catalog.DATASETS:
        assert re.fullmatch(r"[a-z0-9][a-z0-9_]*", name), name


SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"


@pytest.mark.skipif(not SCHEMA.is_file(), reason="no workflow schema")
def test_catalogue_protocols_are_known_to_the_config_schema():
    import yaml

    schema = yaml.safe_load(SCHEMA.read_text())
    known = set(schema["properties"]["testsets"]["additionalProperties"]["properties"]["protocol"]["enum"])
    for name, spec in catalog.DATASETS.items():
        if spec["protocol"] is not None:
            assert spec["protocol"] in known, (name, spec["protocol"])


DOCS = Path(__file__).resolve().parents[1] / "docs" / "datasets.md"  # the manual steps (moved from README.md)


def test_the_manual_steps_name_every_file_path_and_checksum():
    text = DOCS.read_text()
    for name, entry in catalog.ARCHIVES.items():
        if name.startswith("ch8_training_images_"):
            assert "resources/downloads/ch8_training_images_1.zip" in text
        elif entry["where"] == "weights":
            assert f"resources/weights/{name}" in text or name == "RCAN_BIX8.pt"
        else:
            assert f"resources/downloads/{name}" in text, name
        for key in ("md5", "sha256"):
            if entry[key]:
                assert entry[key] in text, (name, key)
        for url in entry["urls"]:
            assert url in text.replace("N.zip", "1.zip") or "ch8_training_images_" in url, url
    for key in catalog.DATASETS:
        assert f"`{key}`" in text, key


def test_rcan_weights_are_the_entries_of_the_checkpoint_catalogue():
    from textsr.data import weights

    assert catalog.WEIGHTS["rcan-official"]["files"] == {s: c.file for s, c in weights.RCAN.items()}
    assert catalog.WEIGHTS["rcan-official"]["files"][4] == "RCAN_BIX4.pt"
    for c in weights.RCAN.values():  # a manual download in resources/weights/, checksum recorded on first use
        entry = catalog.archive(c.file)
        assert entry["where"] == "weights" and entry["manual"] and entry["md5"] is None
        assert entry["page"] == c.page == "https://github.com/yulunzhang/RCAN" and entry["note"] == c.note
