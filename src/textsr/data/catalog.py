"""The catalogue of real datasets and weights: where each file comes from, how to check it, how to lay it out.

Facts (URLs, sizes, md5/sha256, archive layouts, licences) come from `shared/reference/datasets.md`, which cites its
sources (MMOCR dataset_zoo, TFDS checksums.tsv, torchSR, the datasets' own repositories). Nothing here is guessed
except where a field says so in `note`.

ARCHIVES  maps the file's name under `resources/downloads/` (the official file name where the URL has one; for
          box.com / Drive links, which have none, MMOCR's `save_name`) to:
            urls     official URL first, then mirrors; [] when only a manual download exists
            md5, sha256, size   where published (hex, bytes); None otherwise (trust-on-first-use record instead)
            manual   True when a person must download it (registration wall, cloud drive, dead link)
            page     the official page to download it from by hand
            kind     "file" (an archive or a weights file) or "folder" (a tree placed by hand)
            contains (folders) sub-paths that must exist
            where    "downloads" (resources/downloads/) or "weights" (resources/weights/)
            note     anything a user must know
DATASETS  maps a dataset key (the `{dataset}` wildcard) to:
            title, family, page, licence, protocol (the evaluation protocol of its test split), note
            splits: {split: spec}, where spec depends on the family:
              detection  images: [source], gt: {variant: source}, default_gt: variant, count
              sr_pairs   images: [source], lr: {scale: source}, count
              textzoom   lmdb: [sub-folders of the TextZoom folder], scale, count
            A source is {archive, path, name?, format?}: `path` is the folder inside the archive (POSIX, "" = its
            top); one extra wrapper folder around it is tolerated when present. `name` is the file-name pattern
            of a gt / LR file for the image stem `{stem}` (and `{scale}`).
WEIGHTS   official pretrained weights a condition needs (user-provided), file name per scale; the files' facts
          (name, md5, source, destination) are those of the checkpoint catalogue `textsr.data.weights`.

Canonical layout written by textsr.data.prepare (DESIGN section 2), under resources/datasets/{dataset}/:
  {split}/images/<native image name>       images, byte-identical (EXIF kept in the file, ignored when loading)
  {split}/gt/<native gt name>              the split's default ground truth, byte-identical, native names
  {split}/gt_<variant>/<native gt name>    other ground-truth variants (e.g. ctw1500 test/gt_2020, totaltext gt_txt)
  {split}/lr/x{s}/<HR image name>          official LR paired by file name (DIV2K, SR benchmarks, TextZoom x2)
  {split}/labels.tsv                       TextZoom word labels: `name<TAB>label`
  manifest.json                            what was prepared from what (counts, archives, versions)
"""

from __future__ import annotations

import copy
from typing import Any

from textsr.data.weights import RCAN, RCAN_LICENCE, RCAN_PAGE

RRC_LICENCE_2013 = (
    "ICDAR 2013 Robust Reading Competition data (RRC Challenge 2). No licence file (MMOCR metafile: 'License Type: "
    "N/A'); the RRC asks users to register and to cite the competition report. Research use; do not redistribute."
)
DIV2K_LICENCE = (
    "DIV2K: academic research use only (HF card eugenesiow/Div2k: 'other-academic-use'); the images come from the "
    "web and their copyright stays with the owners. Do not redistribute; download at run time and cite Agustsson & "
    "Timofte, NTIRE 2017."
)
BENCHMARK_LICENCE = (
    "Set5 / Set14 / B100 / Urban100: no formal licence; conventionally redistributed for research (EDSR "
    "benchmark.tar). B100 is BSDS300/500 (Berkeley, research use). Cite each dataset. Manga109 is not included: it "
    "is copyrighted manga, academic use by request at manga109.org only, and must not be redistributed."
)

DIV2K_URL = "https://data.vision.ee.ethz.ch/cvl/DIV2K/"
RRC = "https://rrc.cvc.uab.es/downloads/"
RRC_MLT = "https://datasets.cvc.uab.es/rrc/"
BOX = "https://universityofadelaide.box.com/shared/static/"


def _a(urls: list[str] | str | None, page: str, *, md5: str | None = None, sha256: str | None = None,
       size: int | None = None, manual: bool = False, kind: str = "file", where: str = "downloads",
       note: str = "", contains: list[str] | None = None) -> dict[str, Any]:
    urls = [urls] if isinstance(urls, str) else list(urls or [])
    entry = {"urls": urls, "md5": md5, "sha256": sha256, "size": size, "manual": manual or not urls, "page": page,
             "kind": kind, "where": where, "note": note}
    if contains is not None:
        entry["contains"] = contains
    return entry


ARCHIVES: dict[str, dict[str, Any]] = {
    # --- ICDAR 2013 (RRC Challenge 2, Task 1); md5 from MMOCR dataset_zoo/icdar2013/textdet.py @ main
    "Challenge2_Training_Task12_Images.zip": _a(
        RRC + "Challenge2_Training_Task12_Images.zip", "https://rrc.cvc.uab.es/?ch=2&com=downloads",
        md5="a443b9649fda4229c9bc52751bad08fb"),
    "Challenge2_Training_Task1_GT.zip": _a(
        RRC + "Challenge2_Training_Task1_GT.zip", "https://rrc.cvc.uab.es/?ch=2&com=downloads",
        md5="f3a425284a66cd67f455d389c972cce4"),
    "Challenge2_Test_Task12_Images.zip": _a(
        RRC + "Challenge2_Test_Task12_Images.zip", "https://rrc.cvc.uab.es/?ch=2&com=downloads",
        md5="af2e9f070c4c6a1c7bdb7b36bacf23e3"),
    "Challenge2_Test_Task1_GT.zip": _a(
        RRC + "Challenge2_Test_Task1_GT.zip", "https://rrc.cvc.uab.es/?ch=2&com=downloads",
        md5="3191c34cd6ac28b60f5a7db7030190fb"),
    # --- ICDAR 2015 (RRC Challenge 4, Task 4.1); md5 from MMOCR dataset_zoo/icdar2015/textdet.py
    "ch4_training_images.zip": _a(
        RRC + "ch4_training_images.zip", "https://rrc.cvc.uab.es/?ch=4&com=downloads",
        md5="c51cbace155dcc4d98c8dd19d378f30d"),
    "ch4_training_localization_transcription_gt.zip": _a(
        RRC + "ch4_training_localization_transcription_gt.zip", "https://rrc.cvc.uab.es/?ch=4&com=downloads",
        md5="3bfaf1988960909014f7987d2343060b"),
    "ch4_test_images.zip": _a(
        RRC + "ch4_test_images.zip", "https://rrc.cvc.uab.es/?ch=4&com=downloads",
        md5="97e4c1ddcf074ffcc75feff2b63c35dd"),
    "Challenge4_Test_Task4_GT.zip": _a(
        RRC + "Challenge4_Test_Task4_GT.zip", "https://rrc.cvc.uab.es/?ch=4&com=downloads",
        md5="8bce173b06d164b98c357b0eb96ef430",
        note="the same file as Challenge4_Test_Task1_GT.zip except for its name (mindocr icdar2015.md)"),
    # --- ICDAR 2017 MLT (RRC Challenge 8, Task 1); md5 from MMOCR dataset_zoo/mlt/textdet.py @ abc6b7f5 (PR rev.)
    **{f"ch8_training_images_{i}.zip": _a(
        RRC_MLT + f"ch8_training_images_{i}.zip", "https://rrc.cvc.uab.es/?ch=8&com=downloads", md5=md5)
       for i, md5 in enumerate([
           "7b26e10d949c00fb4411f40b4f1fce6e", "e992fb5a7621dd6329081a73e52a28e1",
           "044ea5fb1dcec8bbb874391c517b55ff", "344a657c1cc7cbb150547f1c76b5cc8e",
           "5c7ac0158e7189c0a634eaf7bdededc5", "3b479255a96d255680f51005b5232bac",
           "faa033fb9d2922d747bad9b0692c992e", "db8afa59ae520757151f6ce5acd489ef"], start=1)},
    "ch8_training_localization_transcription_gt_v2.zip": _a(
        RRC_MLT + "ch8_training_localization_transcription_gt_v2.zip", "https://rrc.cvc.uab.es/?ch=8&com=downloads",
        md5="2c9c3de30b5615f6846738bbd336c988"),
    "ch8_validation_images.zip": _a(
        RRC + "ch8_validation_images.zip", "https://rrc.cvc.uab.es/?ch=8&com=downloads",
        md5="3cfc7b440ab81b89a981d707786dbe83",
        note="hosted on rrc.cvc.uab.es/downloads/, unlike the other MLT files (datasets.cvc.uab.es/rrc/)"),
    "ch8_validation_localization_transcription_gt_v2.zip": _a(
        RRC_MLT + "ch8_validation_localization_transcription_gt_v2.zip",
        "https://rrc.cvc.uab.es/?ch=8&com=downloads", md5="ecae7d433e6f103bb31e00d37254009c"),
    # --- MSRA-TD500: no checksum published (trust on first use)
    "MSRA-TD500.zip": _a(
        ["http://www.iapr-tc11.org/dataset/MSRA-TD500/MSRA-TD500.zip",
         "http://pages.ucsd.edu/%7Eztu/publication/MSRA-TD500.zip"],
        "http://tc11.cvc.uab.es/datasets/MSRA-TD500_1",
        note="no size or checksum is published; the sha256 of the first copy is recorded and checked afterwards"),
    # --- SCUT-CTW1500; md5 from MMOCR dataset_zoo/ctw1500/textdet.py; names = MMOCR save_name
    "ctw1500_train_images.zip": _a(
        BOX + "py5uwlfyyytbb2pxzq9czvu6fuqbjdh8.zip", "https://github.com/Yuliang-Liu/Curve-Text-Detector",
        md5="f1453464b764343040644464d5c0c4fa"),
    "ctw1500_train_labels.zip": _a(
        BOX + "jikuazluzyj4lq6umzei7m2ppmt3afyw.zip", "https://github.com/Yuliang-Liu/Curve-Text-Detector",
        md5="d9ba721b25be95c2d78aeb54f812a5b1"),
    "ctw1500_test_images.zip": _a(
        BOX + "t4w48ofnqkdw7jyc4t11nsukoeqk9c3d.zip", "https://github.com/Yuliang-Liu/Curve-Text-Detector",
        md5="79103fd77dfdd2c70ae6feb3a2fb4530"),
    "ctw1500_test_labels.zip": _a(
        None, "https://github.com/Yuliang-Liu/Curve-Text-Detector", md5="7f650933a30cf1bcdbb7874e4962a52b",
        note="the 2020 updated test labels (x1,y1,...,x14,y14,####text). Their official URL "
             "https://cloudstor.aarnet.edu.au/plus/s/uoeFl0pCN9BOCN5/download is dead (CloudStor decommissioned, "
             "Curve-Text-Detector#60, mmocr#2044/#2060). Use a copy you already have (e.g. an MMOCR data/cache) or "
             "the Kaggle mirror kaerunantoka/scutctw1500-datasets; the md5 above identifies the right file."),
    "ctw1500.zip": _a(
        None, "https://github.com/Yuliang-Liu/Curve-Text-Detector/blob/master/data/README.md",
        note="the ORIGINAL SCUT-CTW1500 release (836 MB: Baidu pan.baidu.com/s/1eSvpq7o password fatf, or the "
             "OneDrive link in data/README.md), holding ctw1500/{train,test}/text_image and text_label_curve "
             "(32 values per line: xmin,ymin,xmax,ymax + 14 offsets). No official file name or checksum is "
             "published: save the archive under this name."),
    # --- Total-Text; md5 of the box mirrors from MMOCR dataset_zoo/totaltext/textdet.py
    "totaltext.zip": _a(
        BOX + "8xro7hnvb0sqw5e5rxm73tryc59j6s43.zip", "https://github.com/cs-chan/Total-Text-Dataset",
        md5="5b56d71a4005a333cf200ff35ce87f75",
        note="box.com mirror of the official Google Drive file 1bC68CzsSVTusZVvOkk7imSZSbgD1MqK2 (441 MB)"),
    "txt_format.zip": _a(
        BOX + "2vmpvjb48pcrszeegx2eznzc4izan4zf.zip", "https://github.com/cs-chan/Total-Text-Dataset",
        md5="53377a83420b4a0244304467512134e8",
        note="legacy text ground truth; official copy on Google Drive 1v-pd-74EkZ3dWe6k0qppRtetjdPQ3ms1"),
    "groundtruth_text.zip": _a(
        None, "https://drive.google.com/file/d/19quCaJGePvTc3yPZ7MAGNijjKfy77-ke/view",
        note="legacy .mat ground truth (Groundtruth/Polygon/{Train,Test}/poly_gt_img*.mat), read by the official "
             "Total-Text DetEval script; Google Drive only (older link "
             "http://www.cs-chan.com/source/ICDAR2017/groundtruth_text.zip). No checksum published."),
    # --- DIV2K; size + sha256 from TFDS checksums.tsv, md5 from torchSR div2k.py
    "DIV2K_train_HR.zip": _a(
        DIV2K_URL + "DIV2K_train_HR.zip", DIV2K_URL, size=3530603713, md5="bdc2d9338d4e574fe81bf7d158758658",
        sha256="9d0b9c463f6e35b6c62cc6a930ee2224f670b34c1df841a57670f9acf0f6c335"),
    "DIV2K_train_LR_bicubic_X2.zip": _a(
        DIV2K_URL + "DIV2K_train_LR_bicubic_X2.zip", DIV2K_URL, size=925390592,
        md5="9a637d2ef4db0d0a81182be37fb00692",
        sha256="a53a424317575838dadce4bcd97cf7b744d6855f43740ed5f0245af3cf4bd850"),
    "DIV2K_train_LR_bicubic_X3.zip": _a(
        DIV2K_URL + "DIV2K_train_LR_bicubic_X3.zip", DIV2K_URL, size=427847282,
        md5="ad80b9fe40c049a07a8a6c51bfab3b6d",
        sha256="ad5c8e5507e2765823d3c2c5bd0934842efcd487c5370604c224090898b3163a"),
    "DIV2K_train_LR_bicubic_X4.zip": _a(
        DIV2K_URL + "DIV2K_train_LR_bicubic_X4.zip", DIV2K_URL, size=246914039,
        md5="76c43ec4155851901ebbe8339846d93d",
        sha256="f006b837f4eb52b82909aa01478e6d6d199eefce932179491d0c9dbb706dde3a"),
    "DIV2K_valid_HR.zip": _a(
        DIV2K_URL + "DIV2K_valid_HR.zip", DIV2K_URL, size=448993893, md5="9fcdda83005c5e5997799b69f955ff88",
        sha256="20dd31fd84d777bc1cf5d6b7654a3f569c0aec74458ae094122ad1d0489900fc"),
    "DIV2K_valid_LR_bicubic_X2.zip": _a(
        DIV2K_URL + "DIV2K_valid_LR_bicubic_X2.zip", DIV2K_URL, size=117763600,
        md5="1512c9a3f7bde2a1a21a73044e46b9cb",
        sha256="60eed9875c697df51204aa579e2a699e1d5215095788a097ff54dd17e2664d57"),
    "DIV2K_valid_LR_bicubic_X3.zip": _a(
        DIV2K_URL + "DIV2K_valid_LR_bicubic_X3.zip", DIV2K_URL, size=54513392,
        md5="18b1d310f9f88c13618c287927b29898",
        sha256="04b9a2ed3b4a0715d3924d3ae8514830c3328fac8d30512ce716d6f419e052a3"),
    "DIV2K_valid_LR_bicubic_X4.zip": _a(
        DIV2K_URL + "DIV2K_valid_LR_bicubic_X4.zip", DIV2K_URL, size=31505881,
        md5="21962de700c8d368c6ff83314480eff0",
        sha256="a50a5d1c4b88de4e8d300d8fb2b904c52fe93b2b298a4899697760d7cbb6d553"),
    # --- Set5 / Set14 / B100 / Urban100 (EDSR authors' mirror); md5 from torchSR benchmarks.py
    "benchmark.tar": _a(
        "https://cv.snu.ac.kr/research/EDSR/benchmark.tar", "https://github.com/sanghyun-son/EDSR-PyTorch",
        md5="4ace41d33c2384b97e6b320cd0afd6ba", note="about 250 MB; Set5, Set14, B100, Urban100 HR + LR_bicubic"),
    # --- TextZoom: a Google Drive / Baidu folder, placed by hand as a folder
    "TextZoom": _a(
        None, "https://drive.google.com/drive/folders/1WRVy-fC_KrembPkaI68uqQ9wyaptibMh", kind="folder",
        contains=["train1/data.mdb", "train2/data.mdb", "test/easy/data.mdb", "test/medium/data.mdb",
                  "test/hard/data.mdb"],
        note="official repo https://github.com/WenjiaWang0312/TextZoom; also Baidu "
             "https://pan.baidu.com/s/1PYdNqo0GIeamkYHXJmRlDw (password kybq). Download the whole folder (e.g. "
             "`gdown --folder`) and place it so that TextZoom/train1/data.mdb exists. No checksum is published: "
             "the sha256 of every file is recorded on first use (TextZoom.sha256.json) and checked afterwards."),
    # --- official RCAN weights (user-provided): entries of the checkpoint catalogue, textsr.data.weights
    **{c.file: _a(c.url, c.page, md5=c.md5, size=c.size, where="weights", note=c.note) for c in RCAN.values()},
}


def _src(archive: str, path: str = "", name: str | None = None, fmt: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"archive": archive, "path": path}
    if name is not None:
        out["name"] = name
    if fmt is not None:
        out["format"] = fmt
    return out


RRC_QUAD = "x1,y1,x2,y2,x3,y3,x4,y4,transcription (UTF-8, BOM in train files; '###' = don't care)"

DATASETS: dict[str, dict[str, Any]] = {
    "icdar2013": {
        "title": "ICDAR 2013 Focused Scene Text (RRC Challenge 2, Task 2.1)",
        "family": "detection", "protocol": "icdar2013",
        "page": "https://rrc.cvc.uab.es/?ch=2&com=downloads",
        "licence": RRC_LICENCE_2013,
        "splits": {
            "train": {"count": 229, "default_gt": "rrc",
                      "images": [_src("Challenge2_Training_Task12_Images.zip")],
                      "gt": {"rrc": _src("Challenge2_Training_Task1_GT.zip", "", "gt_{stem}.txt",
                                         'xmin ymin xmax ymax "text" (space separated)')}},
            "test": {"count": 233, "default_gt": "rrc",
                     "images": [_src("Challenge2_Test_Task12_Images.zip")],
                     "gt": {"rrc": _src("Challenge2_Test_Task1_GT.zip", "", "gt_{stem}.txt",
                                        'xmin, ymin, xmax, ymax, "text" (comma + space)')}},
        },
        "note": "flat zips: train images 100.jpg..328.jpg, test img_1.jpg..img_233.jpg; gt_<image stem>.txt",
    },
    "icdar2015": {
        "title": "ICDAR 2015 Incidental Scene Text (RRC Challenge 4, Task 4.1)",
        "family": "detection", "protocol": "icdar2015",
        "page": "https://rrc.cvc.uab.es/?ch=4&com=downloads",
        "licence": "CC BY 4.0 (MMOCR dataset_zoo/icdar2015/metafile.yml); register at the RRC to download, cite "
                   "Karatzas et al., ICDAR 2015, and attribute.",
        "splits": {
            "train": {"count": 1000, "default_gt": "rrc", "images": [_src("ch4_training_images.zip")],
                      "gt": {"rrc": _src("ch4_training_localization_transcription_gt.zip", "", "gt_{stem}.txt",
                                         RRC_QUAD)}},
            "test": {"count": 500, "default_gt": "rrc", "images": [_src("ch4_test_images.zip")],
                     "gt": {"rrc": _src("Challenge4_Test_Task4_GT.zip", "", "gt_{stem}.txt",
                                        RRC_QUAD + "; test GT has CRLF and no BOM")}},
        },
        "note": "flat zips: img_N.jpg (1280x720) and gt_img_N.txt",
    },
    "icdar2017_mlt": {
        "title": "ICDAR 2017 MLT (RRC Challenge 8, Task 1); the validation split serves as test set",
        "family": "detection", "protocol": "icdar2017",
        "page": "https://rrc.cvc.uab.es/?ch=8&com=downloads",
        "licence": "CC BY 4.0 (MMOCR mlt metafile); register at the RRC to download, cite Nayef et al., ICDAR 2017.",
        "splits": {
            "train": {"count": 7200, "default_gt": "rrc",
                      "images": [_src(f"ch8_training_images_{i}.zip") for i in range(1, 9)],
                      "gt": {"rrc": _src("ch8_training_localization_transcription_gt_v2.zip", "", "gt_{stem}.txt",
                                         "x1,y1,...,x4,y4,script,transcription (BOM; '###' = don't care)")}},
            "validation": {"count": 1800, "default_gt": "rrc", "images": [_src("ch8_validation_images.zip")],
                           "gt": {"rrc": _src("ch8_validation_localization_transcription_gt_v2.zip", "",
                                              "gt_{stem}.txt",
                                              "x1,y1,...,x4,y4,script,transcription (BOM; '###' = don't care)")}},
        },
        "note": "test-split GT is not published, so the validation split is the test set. Images are img_N with "
                ".jpg and a few .png/.gif (verify on the real data).",
    },
    "msra_td500": {
        "title": "MSRA Text Detection 500 Database (MSRA-TD500)",
        "family": "detection", "protocol": "msra-td500",
        "page": "http://tc11.cvc.uab.es/datasets/MSRA-TD500_1",
        "licence": "Public benchmark (TC11 page); no explicit licence found. Treat as research-only, with "
                   "attribution (Yao et al., CVPR 2012; contact Cong Yao).",
        "splits": {
            "train": {"count": 300, "default_gt": "td500", "images": [_src("MSRA-TD500.zip", "MSRA-TD500/train")],
                      "gt": {"td500": _src("MSRA-TD500.zip", "MSRA-TD500/train", "{stem}.gt",
                                           "index difficult x y w h angle (CRLF, radians; empty files valid)")}},
            "test": {"count": 200, "default_gt": "td500", "images": [_src("MSRA-TD500.zip", "MSRA-TD500/test")],
                     "gt": {"td500": _src("MSRA-TD500.zip", "MSRA-TD500/test", "{stem}.gt",
                                          "index difficult x y w h angle (CRLF, radians; empty files valid)")}},
        },
        "note": "images IMG_NNNN.JPG with IMG_NNNN.gt beside them; nine .gt files are empty (no text)",
    },
    "ctw1500": {
        "title": "SCUT-CTW1500 (curved text lines)",
        "family": "detection", "protocol": "ctw1500",
        "page": "https://github.com/Yuliang-Liu/Curve-Text-Detector",
        "licence": "Free to the academic community for research only; for other purposes contact Dr. Lianwen Jin "
                   "(eelwjin@scut.edu.cn) (Curve-Text-Detector README).",
        "splits": {
            "train": {"count": 1000, "default_gt": "xml",
                      "images": [_src("ctw1500_train_images.zip", "train_images")],
                      "gt": {"xml": _src("ctw1500_train_labels.zip", "ctw1500_train_labels", "{stem}.xml",
                                         "XML <box><label/><segs>28 ints</segs><pts/></box> (updated release)")}},
            "test": {"count": 500, "default_gt": "original",
                     "images": [_src("ctw1500_test_images.zip", "test_images")],
                     "gt": {
                         "original": _src("ctw1500.zip", "ctw1500/test/text_label_curve", "{stem}.txt",
                                          "xmin,ymin,xmax,ymax,pw1,ph1,...,pw14,ph14 (offsets from xmin,ymin); "
                                          "read by the official CTW1500 evaluation"),
                         "2020": _src("ctw1500_test_labels.zip", "", "000{stem}.txt",
                                      "x1,y1,...,x14,y14,####text ('###' = ignore; updated 2020 labels)"),
                     }},
        },
        "note": "test/gt holds the original labels (official evaluation script); test/gt_2020 the updated ones",
    },
    "totaltext": {
        "title": "Total-Text (curved word polygons)",
        "family": "detection", "protocol": "totaltext",
        "page": "https://github.com/cs-chan/Total-Text-Dataset",
        "licence": "Non-commercial research only (Total-Text-Dataset Dataset/README.md); the repository itself is "
                   "BSD-3-Clause. For commercial use contact the authors.",
        "splits": {
            split: {"count": count, "default_gt": "mat",
                    "images": [_src("totaltext.zip", f"Images/{folder}")],
                    "gt": {
                        "mat": _src("groundtruth_text.zip", f"Groundtruth/Polygon/{folder}", "poly_gt_{stem}.mat",
                                    "MATLAB polygt N x 6 cell: 'x:', xs, 'y:', ys, text, ornt ('#' = don't care); "
                                    "read by the official DetEval script"),
                        "txt": _src("txt_format.zip", folder, "poly_gt_{stem}.txt",
                                    "x: [[...]], y: [[...]], ornt: [u'c'], transcriptions: [u'...'] "
                                    "(records may wrap lines)"),
                    }}
            for split, folder, count in (("train", "Train", 1255), ("test", "Test", 300))
        },
        "note": "test/gt holds the .mat ground truth (official protocol), test/gt_txt the legacy text files",
    },
    "div2k": {
        "title": "DIV2K (NTIRE 2017 super-resolution)",
        "family": "sr_pairs", "protocol": None,
        "page": DIV2K_URL, "licence": DIV2K_LICENCE,
        "splits": {
            split: {"count": count, "images": [_src(f"DIV2K_{split}_HR.zip", f"DIV2K_{split}_HR")],
                    "lr": {s: _src(f"DIV2K_{split}_LR_bicubic_X{s}.zip", f"DIV2K_{split}_LR_bicubic/X{s}",
                                   "{stem}x{scale}.png") for s in (2, 3, 4)}}
            for split, count in (("train", 800), ("valid", 100))
        },
        "note": "HR 0001.png..0900.png; official MATLAB-bicubic LR 0001x4.png, prepared only where its zip is "
                "present (or requested)",
    },
    **{key: {
        "title": f"{folder} (SR benchmark, EDSR benchmark.tar)",
        "family": "sr_pairs", "protocol": None,
        "page": "https://github.com/sanghyun-son/EDSR-PyTorch", "licence": BENCHMARK_LICENCE,
        "splits": {"test": {"count": count, "images": [_src("benchmark.tar", f"benchmark/{folder}/HR")],
                            "lr": {s: _src("benchmark.tar", f"benchmark/{folder}/LR_bicubic/X{s}",
                                           "{stem}x{scale}.png") for s in (2, 3, 4)}}},
        "note": "HR benchmark/<set>/HR/<name>.png, LR benchmark/<set>/LR_bicubic/X<s>/<name>x<s>.png",
    } for key, folder, count in (("set5", "Set5", 5), ("set14", "Set14", 14), ("b100", "B100", 100),
                                 ("urban100", "Urban100", 100))},
    "textzoom": {
        "title": "TextZoom (real LR/HR scene-text pairs, x2)",
        "family": "textzoom", "protocol": None,
        "page": "https://github.com/WenjiaWang0312/TextZoom",
        "licence": "No licence file in the official repository; derived from RealSR and SR-RAW. Treat as "
                   "research-only and do not redistribute; cite Wang et al., ECCV 2020.",
        "splits": {
            "train": {"archive": "TextZoom", "lmdb": ["train1", "train2"], "scale": 2, "count": 17367},
            "test_easy": {"archive": "TextZoom", "lmdb": ["test/easy"], "scale": 2, "count": 1619},
            "test_medium": {"archive": "TextZoom", "lmdb": ["test/medium"], "scale": 2, "count": 1411},
            "test_hard": {"archive": "TextZoom", "lmdb": ["test/hard"], "scale": 2, "count": 1343},
        },
        "note": "LMDB keys num-samples, label-%09d, image_hr-%09d, image_lr-%09d (1-based); HR about 128x32, "
                "LR about 64x16 (sizes vary: the TextZoom loader resizes)",
    },
}

WEIGHTS: dict[str, dict[str, Any]] = {
    "rcan-official": {
        "title": "Official RCAN BI models (Zhang et al., ECCV 2018)",
        "page": RCAN_PAGE,
        "files": {s: c.file for s, c in RCAN.items()},
        "licence": RCAN_LICENCE,
    },
}

FAMILIES = ("detection", "sr_pairs", "textzoom")


def dataset(name: str) -> dict[str, Any]:
    """A deep copy of one dataset entry; KeyError listing the known names."""
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; the catalogue has: {', '.join(sorted(DATASETS))}")
    return copy.deepcopy(DATASETS[name])


def archive(file_name: str) -> dict[str, Any]:
    """A copy of one ARCHIVES entry (plus its `name`); KeyError listing the known files."""
    if file_name not in ARCHIVES:
        raise KeyError(f"unknown download {file_name!r}; the catalogue has: {', '.join(sorted(ARCHIVES))}")
    return {"name": file_name, **copy.deepcopy(ARCHIVES[file_name])}


def gt_dir_name(spec_split: dict[str, Any], variant: str | None = None) -> str:
    """'gt' for the split's default variant (or variant None), 'gt_<variant>' for any other."""
    if variant is None or variant == spec_split.get("default_gt"):
        return "gt"
    if variant not in spec_split.get("gt", {}):
        raise KeyError(f"unknown gt variant {variant!r}; this split has {', '.join(spec_split.get('gt', {}))}")
    return f"gt_{variant}"


def gt_dir(name: str, split: str, variant: str | None = None) -> str:
    """Relative path of a split's ground-truth folder inside resources/datasets/{name}/ (e.g. 'test/gt_2020')."""
    return f"{split}/{gt_dir_name(_split(name, split), variant)}"


def _split(name: str, split: str) -> dict[str, Any]:
    splits = dataset(name)["splits"]
    if split not in splits:
        raise KeyError(f"dataset {name!r} has no split {split!r}; it has: {', '.join(splits)}")
    return splits[split]


def gt_variants(spec_split: dict[str, Any], gt: list[str] | None = None) -> list[str]:
    """The gt variants to prepare for one detection split: `gt` filtered to the split's own, else its default."""
    chosen = [v for v in (gt or []) if v in spec_split.get("gt", {})]
    return chosen or [spec_split["default_gt"]]


def required_files(name: str, splits: list[str] | None = None, *, gt: list[str] | None = None,
                   lr_scales: list[int] | None = None) -> list[str]:
    """File names under resources/downloads/ that preparing `name` needs, in catalogue order, without repeats.

    splits: default all. gt: ground-truth variants wanted (detection family); per split, the variants it has are
    taken, and a split having none of them gets its default; a variant no chosen split has is a KeyError.
    Default: each split's default variant. lr_scales: official LR scales wanted (sr_pairs family); default none.
    """
    spec = dataset(name)
    chosen = splits if splits is not None else list(spec["splits"])
    splits_spec = [_split(name, split) for split in chosen]
    if spec["family"] == "detection":
        known = {v for sp in splits_spec for v in sp["gt"]}
        unknown = [v for v in (gt or []) if v not in known]
        if unknown:
            raise KeyError(f"dataset {name!r}: unknown gt variant(s) {unknown}; known: {sorted(known)}")
    out: list[str] = []
    for sp in splits_spec:
        if spec["family"] == "textzoom":
            names = [sp["archive"]]
        else:
            names = [s["archive"] for s in sp["images"]]
        if spec["family"] == "detection":
            names += [sp["gt"][v]["archive"] for v in gt_variants(sp, gt)]
        if spec["family"] == "sr_pairs":
            names += [sp["lr"][int(s)]["archive"] for s in (lr_scales or []) if int(s) in sp["lr"]]
        for n in names:  # one archive may serve several sources of a split (benchmark.tar, MSRA-TD500.zip)
            if n not in out:
                out.append(n)
    return out


def weights_file(scale: int, condition: str = "rcan-official") -> str:
    """File name (in textsr.data.weights.WEIGHTS_DIR) of an official weights file, e.g. 'RCAN_BIX4.pt'."""
    files = WEIGHTS[condition]["files"]
    if int(scale) not in files:
        raise KeyError(f"{condition}: no official weights for x{scale}; available: {sorted(files)}")
    return files[int(scale)]
