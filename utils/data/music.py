"""Music data sets (chapter 7): Bach's chorales as piano rolls, Bach's cello suites as MIDI files.

``load_jsb_chorales()`` returns the official ``Jsb16thSeparated.npz``'s three splits;
``load_cello_suites()`` the paths of 36 MIDI files (parse them with music21). Neither has
a fast mode of its own: both are small, and a notebook picks how much it uses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import DataUnavailable
from .fetch import describe, locate
from .registry import REGISTRY, Dataset, RemoteFile, register

# JSB Chorales as re-quantised to 16th notes by Huang et al. ("Counterpoint by Convolution",
# 2017), the official file of czhuang/JSB-Chorales-dataset at a pinned commit (then master;
# the SHA-256 decides). Object arrays: np.load needs allow_pickle, so only the checked file
# is ever loaded (no stand-ins).
_JSB = "https://raw.githubusercontent.com/czhuang/JSB-Chorales-dataset/"

register(Dataset(
    name="chorales",
    title="JSB Chorales (16th-note piano rolls, Jsb16thSeparated.npz)",
    homepage="https://github.com/czhuang/JSB-Chorales-dataset",
    files=(RemoteFile(
        "Jsb16thSeparated.npz",
        (_JSB + "9a7f733ddb4ed91f48da64ac7f0f621c34aadd4d/Jsb16thSeparated.npz",
         _JSB + "master/Jsb16thSeparated.npz"),
        "2adcdf0d57880c3763f104555072285fe7f9e3d6049fcc4b9830557b8d4a7820",
        size=102_808,
    ),),
    standin_ok=False,
))


def load_jsb_chorales() -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Bach's four-part chorales: ``(train, valid, test)``, lists of 229, 76 and 77 chorales.

    Each chorale is a float array (T, 4): the MIDI pitch of soprano, alto, tenor and bass
    at each 16th note, NaN for a rest.
    """
    dataset = REGISTRY["chorales"]
    located = locate("chorales")
    path = located.paths["Jsb16thSeparated.npz"]
    try:  # the file passed its SHA-256 check: unpickling its object arrays is safe
        with np.load(path, allow_pickle=True, encoding="latin1") as npz:
            splits = tuple([np.asarray(chorale, dtype=np.float64) for chorale in npz[key]]
                           for key in ("train", "valid", "test"))
    except (KeyError, ValueError, OSError) as err:
        raise DataUnavailable(f"{path} is not the JSB chorales file: {type(err).__name__}: {err}") from err
    for split in splits:
        for chorale in split:
            if chorale.ndim != 2 or chorale.shape[1] != 4:
                raise DataUnavailable(f"{path}: a chorale of shape {chorale.shape}, expected (T, 4)")
    train, valid, test = splits
    print(f"{dataset.title}: {describe(located)} from {located.where}, "
          f"{len(train)} train / {len(valid)} valid / {len(test)} test chorales")
    return train, valid, test


# Bach's six cello suites, one MIDI file per movement: the course's own renderings of the
# Mutopia Project's LilyPond sources (repeats written out), so there is no official
# download; each file is registered with its SHA-256 from the mirror's cello/SOURCE.md.
_CELLO_FILES = (
    ("bwv1007_1_prelude.mid", 5_430, "8630d71a928fe5b1df4225f0a9de00d06fcc63463284059a35d232ad8145809f"),
    ("bwv1007_2_allemande.mid", 7_829, "f0abe2308d2fbfa5561d3ee4dda001af483cd9c7451c0f0f5587772cf0c4789e"),
    ("bwv1007_3_courante.mid", 6_850, "2c72dc0b64bdf7e20490af896fe446fced0dec7e575a9b4a6175d03645d0f25a"),
    ("bwv1007_4_sarabande.mid", 2_703, "25347077803ed086a86ea4136b55038238e94ce4fc5de64c17efcfca442071d3"),
    ("bwv1007_5_menuet.mid", 4_851, "ac675710a2bbca2f49ad43a0a636b5bbfbbb79ff152d9d26815090004e75eea1"),
    ("bwv1007_6_gigue.mid", 3_943, "3e71d524cb8f0282a53161b64c2c4a6d0ca8c3dcb9058cadcd6ae79df3a2c5e8"),
    ("bwv1008_1_prelude.mid", 5_406, "f942a78f64126aa0f34e96b8b53e062cae8bcc365d6263a1974ccbf946461753"),
    ("bwv1008_2_allemande.mid", 6_193, "70b74c5a168cb91404b56cc29ed7f6c7b558826243a53dcee479a30f4ddbb56f"),
    ("bwv1008_3_courante.mid", 6_128, "e0c8871ba0d10e2e068b14adae17d4ccf1362bbe22f7eb5615fc30c3cf8823ff"),
    ("bwv1008_4_sarabande.mid", 3_615, "991a321155813a8395a8867fcd790be6aa20f2d557de0b0400ccec9d99117f17"),
    ("bwv1008_5_menuet.mid", 4_749, "899bb0e8e9cec694ad3b49afed3710fe58cb45fb4446b9c9864d0e48f162eda6"),
    ("bwv1008_6_gigue.mid", 6_809, "14e588147038349fa666bcdd686ab77fd55e7be87de0a81ae0406232e9678c99"),
    ("bwv1009_1_prelude.mid", 8_254, "99b34cdd652e5a7683fd0a9318aa56e259479b1778b296d9cd2e80fcda30dfc2"),
    ("bwv1009_2_allemande.mid", 7_975, "452ef4a09ef6734cb57b48d8acaac2b07e1dafc0fdfaed00c6219f5eab652bcf"),
    ("bwv1009_3_courante.mid", 9_072, "b4d6784f353933db3ccb3575ab782760d3c916a904d2f19743e8283ec8453e31"),
    ("bwv1009_4_sarabande.mid", 3_797, "2f9cc6f38a556129de813d24576aa21c63df4bbf1ba9642049cba24301ae775f"),
    ("bwv1009_5_bourree.mid", 6_464, "28bc5e0af9f5f26a3d64e4f97a9503b4b14f9c4fb927bf1dc09f4802b37d0a3f"),
    ("bwv1009_6_gigue.mid", 8_827, "1af2c7e391587171355005d1da8176e813d4f34dc847f25904e17b3760b3bc9c"),
    ("bwv1010_1_prelude.mid", 7_396, "ff2188f1dcaf7ebb0e39e7ca25a082404a1f1bb1f3d40c6d1837c2b04f9668f0"),
    ("bwv1010_2_allemande.mid", 8_880, "d484e5b1d0408d15f347fb1ef75e508be920bf935f6cd208ce8aed247cf88901"),
    ("bwv1010_3_courante.mid", 8_311, "260c52ccd337ab90778b557b0190370b730e1261dcd8d0930579d0d600321929"),
    ("bwv1010_4_sarabande.mid", 3_830, "aad54a42d55c494ac568d318144b733083e2118f78ef9923ad7b3b7ff2c596d9"),
    ("bwv1010_5_bourree.mid", 8_238, "179547b35943a2dfc3d33aaa01bb6434914281d9daf40926d6f50281e9534632"),
    ("bwv1010_6_gigue.mid", 8_876, "338356f5dd183e964912fa0ffa3dc0ff01a1d3ee8095e7c491b23126abd047bb"),
    ("bwv1011_1_prelude.mid", 11_313, "59c4f0c7923a4ee6978ed8e6da6a4af92771618b7adab99e0e2f80495323a867"),
    ("bwv1011_2_allemande.mid", 6_757, "9c0115a1d25749fb75c0fa4604355c807e9738f8273a25121ce3e06e20bd17dc"),
    ("bwv1011_3_courante.mid", 4_842, "3a939df1cbf2d69ddcc1ca02f2c5dd7a89338b6d88357aece277a7b3830c5bb1"),
    ("bwv1011_4_sarabande.mid", 2_125, "f20ff0da7b26f365df2026124a4543c0724c911a8b87c89b352ab6fbb31f1a0b"),
    ("bwv1011_5_gavotte.mid", 9_900, "8dac9815fa29d79376cfae195e3e9dd80d904d456afc36791e9793f98c5f0f12"),
    ("bwv1011_6_gigue.mid", 3_895, "2bd718f74ad35c73c7b853dfc98daded00b1dd94a80ebc1673471c115284ef1a"),
    ("bwv1012_1_prelude.mid", 12_105, "db1e498f80c93d250c7cab6e8a61e68bcd15aaa8942bb459d4bd3782f596467e"),
    ("bwv1012_2_allemande.mid", 8_939, "350f4e82dd17f6262cf28782930a3952d02c746f85ae99fe7b16a4a73862dd9d"),
    ("bwv1012_3_courante.mid", 10_818, "0a4ef80a0a853c71c08fed74314fdc2f9c7b153b7dcdac479c2f4b7b09db5cdc"),
    ("bwv1012_4_sarabande.mid", 5_331, "6fb05d8f60ee6c308e1457170c0036515ac98d28cc0fb26ce4dd416cb62b61fa"),
    ("bwv1012_5_gavotte.mid", 8_404, "24f37372909d370353e91e535479f029657a2202bf3133957034f10377a96e18"),
    ("bwv1012_6_gigue.mid", 11_035, "baeb7fe8fdb4bed3028d5a1acd4c41f46aba1fb872eb284edad179c9385bd950"),
)

register(Dataset(
    name="cello",
    title="Bach cello suites BWV 1007-1012 (MIDI, one file per movement)",
    homepage="https://www.mutopiaproject.org/",
    files=tuple(RemoteFile(name, (), sha, size=size) for name, size, sha in _CELLO_FILES),
    manual="""\
These 36 MIDI files are renderings of the Mutopia Project's LilyPond sources made for this
course (repeats written out); they have no official download. Copy the folder cello/ of the
course's data mirror (its SOURCE.md says how they were made and gives every SHA-256) into
the data cache or the mirror.""",
))


def load_cello_suites() -> list[Path]:
    """The 36 MIDI files of Bach's cello suites, sorted by name, which is concert order
    (``bwv1007_1_prelude.mid`` ... ``bwv1012_6_gigue.mid``). Parse them with
    ``music21.converter.parse(path)``."""
    dataset = REGISTRY["cello"]
    located = locate("cello")
    paths = sorted(located.paths.values(), key=lambda path: path.name)
    print(f"{dataset.title}: {describe(located)} from {located.where}, {len(paths)} MIDI files")
    return paths
