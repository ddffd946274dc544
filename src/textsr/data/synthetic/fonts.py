"""Fonts (the DejaVu TrueType files matplotlib ships) and the English word list of the synthetic generator."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Common English words, 3-10 letters (no proper names, nothing offensive).
WORDS = tuple(
    """
    about above accept across action active actor address adult advice after again agent agree ahead allow almost
    alone along already also always amount animal answer apple area argue around arrive article artist avoid award
    away baby back bakery balance ball bank base basket beach bear beauty become before begin behind believe below
    best better between beyond bicycle bird black blood blue board boat body book border bottle bottom bread break
    bridge bright bring brother brown budget build burger business butter button cable cafe camera camp candle
    capital captain card care carry case castle cause center chair chance change charge cheap check cheese chicken
    child choice church circle city class clean clear clock close cloud coach coast coffee cold color come common
    corner cotton country course cover cream credit cross crowd culture cycle daily dance danger dark data daughter
    deal debate decide deep degree delivery dental design desk detail dinner direct doctor door double down dream
    dress drink drive during early earth east easy economy edge effect eight either energy engine enjoy enough enter
    entry escape evening event every exact exit expert express face fact factory family fashion father fear feel
    field figure film final finger fire first fish five floor flower focus follow food foot force forest forget form
    forward free fresh friend front fruit full future garden gate general gift girl give glass global gold good
    green ground group grow guard guest guide hair half hand happy harbor head health heart heavy hello help high
    history hold holiday home hope horse hospital hotel hour house human hundred idea image inside island item
    jacket join journey juice jump kitchen knife label ladder lake land large later laugh lawyer leader learn leave
    left lemon letter level library light limit line lion list little local long lunch machine magic main major
    make market master match meal measure meat media medical meeting member memory menu metal method middle milk
    mind minute mirror model modern money month morning mother motor mountain mouse mouth movie music nation nature
    near never news night north note number ocean office open orange order other outside owner page paint palace
    paper park party pass past path peace pencil people pepper phone photo piano picture piece pizza place plan
    plant plate play please pocket point police pool poster power press price print prize public pull push quiet
    radio rain range reach read ready record river road rock room round route rule safety salad sale salt school
    science screen season seat second secret sell seven shadow share shelf ship shirt shoe shop short show side sign
    silver simple sister size sleep slow small smile snow soft south space speed spice sport spring square stage
    stairs star start station stone stop store storm street strong student study style sugar summer sunny supply
    table taxi teacher team temple tennis theater ticket tiger time today tomato tonight tower town track trade
    train travel tree trip truck under union until upper valley value video village visit voice wait walk wall
    warm watch water welcome west wheel white window winter wood world yellow young
    art bar bed box bus car cat cup day dog egg eye fan fun hat ice key lab law map new oil pen red run sea sky sun
    tax tea top toy van way yes zoo
    apartment breakfast chocolate emergency furniture newspaper pharmacy restaurant shopping university
    """.split()
)


def _font_path(name: str) -> Path:
    """A font file name in matplotlib's ttf folder, or a path to a TrueType file."""
    path = Path(name)
    if path.is_file():
        return path
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    if not path.is_file():
        raise FileNotFoundError(f"font {name!r} is neither a file nor in matplotlib's font folder {path.parent}")
    return path


@functools.lru_cache(maxsize=512)
def _font(path: Path, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size=size, layout_engine=ImageFont.Layout.BASIC)


@functools.lru_cache(maxsize=64)
def _cap_ratio(path: Path) -> float:
    """Cap height / font size of a font, measured on a rendered 'H' at 200 px."""
    font = _font(path, 200.0)
    img = Image.new("L", (400, 400), 0)
    ImageDraw.Draw(img).text((50, 50), "H", font=font, fill=255)
    rows = np.flatnonzero(np.asarray(img).max(axis=1) >= 128)
    return float(rows[-1] - rows[0] + 1) / 200.0


def _word_text(rng: np.random.Generator, max_len: int) -> str:
    """A random word of at most max_len (>= 3) letters, lower, Capitalised or UPPER case."""
    pool = _words_up_to(max(3, max_len))
    word = pool[int(rng.integers(len(pool)))]
    style = rng.random()
    if style < 0.2:
        return word.upper()
    if style < 0.55:
        return word.capitalize()
    return word


@functools.lru_cache(maxsize=16)
def _words_up_to(max_len: int) -> tuple[str, ...]:
    return tuple(word for word in WORDS if len(word) <= max_len)

