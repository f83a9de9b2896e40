"""Chapter-5 data: paintings and a photo for style transfer, CycleGAN's unpaired image sets.

- ``style``: three public-domain paintings (The Starry Night, The Scream, The Great Wave);
  ``content``: the Tübingen riverfront photo of Gatys et al. (2015). Each loads as one
  uint8 RGB image (H, W, 3), scaled down so that its longest side is at most ``max_size``
  (``load_style_image``, ``load_content_image``).
- ``apple2orange``, ``monet2photo``: the CycleGAN authors' zips (Zhu et al. 2017), each
  with the folders ``trainA``, ``trainB``, ``testA``, ``testB`` of 256x256 JPEGs. They load
  as four uint8 arrays (n, size, size, 3), read straight from the checked zip
  (``load_cyclegan_images``). Domain A and B are named by ``class_names(name)``.

Fast mode (``GDL_FAST=1``) changes nothing for the single images (a notebook picks their
``max_size``); for the CycleGAN sets it keeps the first ``fast_sizes`` images of each
folder, in file-name order: a small fixed part.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image, UnidentifiedImageError

from .. import settings
from .errors import DataUnavailable
from .fetch import Located, describe, locate
from .registry import REGISTRY, Dataset, RemoteFile, register

# --------------------------------------------------------------------------- style and content images
#
# The files of jcjohnson/neural-style (Justin Johnson's Torch implementation of Gatys et
# al.) and lengstrom/fast-style-transfer at pinned commits, byte for byte as the offline
# mirror holds them (the mirror's style/SOURCE.md and content/SOURCE.md give the commits,
# sizes and SHA-256s used here). The paintings are in the public domain; the photo is
# credited to Andreas Praefcke (Wikimedia Commons, CC BY 3.0, as far as known: see
# content/SOURCE.md). No Wikimedia URL is registered: its files are other scans, other bytes.
_NEURAL_STYLE = "https://raw.githubusercontent.com/jcjohnson/neural-style/07c4b8299f8fbdafec0c514fc820ff1d7ff62e46/"
_FAST_STYLE = "https://raw.githubusercontent.com/lengstrom/fast-style-transfer/0d3d981f7ab948253d355585bdbdfa914247b4d0/"

STYLE_IMAGES = {  # name: (title, URL, bytes, sha256)
    "starry_night": ("The Starry Night (Vincent van Gogh, 1889)",
                     _NEURAL_STYLE + "examples/inputs/starry_night.jpg", 315_236,
                     "0592ab0f7b51b3ce72608a95e53880bd93971e5b48f93a0ce8dfd3cbccf3d098"),
    "the_scream": ("The Scream (Edvard Munch, 1893)",
                   _NEURAL_STYLE + "examples/inputs/the_scream.jpg", 216_723,
                   "f3075cddeb974a9ee1d6418f7f33fd05185a7ac7dcb4288bd2805d499a9dcaee"),
    "great_wave": ("The Great Wave off Kanagawa (Katsushika Hokusai, c. 1831)",
                   _FAST_STYLE + "examples/style/wave.jpg", 123_262,  # saved as great_wave.jpg
                   "54f19686bea5117c0bb68ce4425dbed4efafa3e8d7cafe35f0fae80b8223f4be"),
}
CONTENT_IMAGES = {
    "tubingen": ("Neckarfront in Tübingen (photo: Andreas Praefcke)",
                 _NEURAL_STYLE + "examples/inputs/tubingen.jpg", 406_531,
                 "e67d1869f01fd805385c681a80d9ebcf0f70ea4a5fe6127f0606bb1c7f4bf506"),
}

def _register_images(name: str, title: str, images: dict) -> None:
    """Register a data set of single image files: ``images`` maps name -> (title, URL, bytes, sha256)."""
    register(Dataset(
        name=name,
        title=title,
        homepage="https://github.com/jcjohnson/neural-style",
        files=tuple(RemoteFile(f"{key}.jpg", (url,), sha, size=size)
                    for key, (_, url, size, sha) in images.items()),
        class_names=tuple(images),
    ))


_register_images("style", "Style paintings (public domain)", STYLE_IMAGES)
_register_images("content", "Content photo (Gatys et al. 2015)", CONTENT_IMAGES)

# --------------------------------------------------------------------------- CycleGAN's unpaired sets
#
# The zips of the CycleGAN authors (Zhu, Park, Isola and Efros 2017), served from
# efrosgans.eecs.berkeley.edu (where their download script points now), then from the
# older address people.eecs.berkeley.edu/~taesung_park. Sizes and SHA-256s as recorded by
# TensorFlow Datasets for the older address (tensorflow_datasets/url_checksums/cycle_gan.txt);
# the SHA-256 decides which copy is used. Not in the offline mirror.
_CYCLEGAN_URLS = ("http://efrosgans.eecs.berkeley.edu/cyclegan/datasets/",
                  "https://people.eecs.berkeley.edu/~taesung_park/CycleGAN/datasets/")
CYCLEGAN_FOLDERS = ("trainA", "trainB", "testA", "testB")
_CYCLEGAN_SETS = {  # name: (title, domain names A and B, bytes, sha256)
    "apple2orange": ("CycleGAN apple2orange (ImageNet apples and oranges)", ("apple", "orange"), 78_456_409,
                     "845a191e9af8926408ea597001cd03a452e3300a1f44a79fe329b3d59f6e3eb8"),
    "monet2photo": ("CycleGAN monet2photo (Monet paintings and Flickr landscape photos)", ("monet", "photo"),
                    305_231_073, "88f91b00fc228f97c9411fbf1880ec1d119c98f1722e4cfcfaa2fb35fac05b04"),
}

for _name, (_title, _domains, _size, _sha) in _CYCLEGAN_SETS.items():
    register(Dataset(
        name=_name,
        title=_title,
        homepage="https://github.com/junyanz/CycleGAN",
        files=(RemoteFile(f"{_name}.zip", tuple(url + f"{_name}.zip" for url in _CYCLEGAN_URLS), _sha, size=_size),),
        fast_sizes=(100, 25),  # per folder: trainA and trainB, testA and testB
        class_names=_domains,
    ))
del _name, _title, _domains, _size, _sha


# --------------------------------------------------------------------------- readers


def _check_size(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a positive whole number of pixels, got {value!r}")
    return int(value)


def read_image(source, max_size: int | None = None, label: str = "") -> np.ndarray:
    """Decode one JPEG or PNG (a path or a binary file object) as uint8 RGB (H, W, 3).

    With ``max_size``, an image whose longer side is bigger is scaled down (keeping its
    proportions, with antialiasing) so that its longer side is ``max_size``; smaller images
    are left as they are. A file that is not an image raises DataUnavailable.
    """
    try:
        with Image.open(source) as image:
            image = image.convert("RGB")
            if max_size is not None and max(image.size) > max_size:
                scale = max_size / max(image.size)
                new = tuple(max(1, round(side * scale)) for side in image.size)
                image = image.resize(new, Image.Resampling.LANCZOS)
            return np.asarray(image, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise DataUnavailable(f"{label or source} is not a readable image: {type(err).__name__}: {err}") from err


def read_square_image(source, size: int, label: str = "") -> np.ndarray:
    """Decode one image as uint8 RGB (size, size, 3): its central square, resized."""
    try:
        with Image.open(source) as image:
            image = image.convert("RGB")
            width, height = image.size
            side = min(width, height)
            left, top = (width - side) // 2, (height - side) // 2
            image = image.crop((left, top, left + side, top + side))
            if image.size != (size, size):
                image = image.resize((size, size), Image.Resampling.LANCZOS)
            return np.asarray(image, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise DataUnavailable(f"{label or source} is not a readable image: {type(err).__name__}: {err}") from err


def _load_single(dataset_name: str, name: str, max_size: int) -> np.ndarray:
    """One named image of data set ``style`` or ``content``, scaled to ``max_size``."""
    dataset = REGISTRY[dataset_name]
    if name not in dataset.class_names:
        raise ValueError(f"unknown {dataset_name} image {name!r}; choose one of: {', '.join(dataset.class_names)}")
    max_size = _check_size(max_size, "max_size")
    located = locate(dataset_name)
    path = located.paths[f"{name}.jpg"]
    image = read_image(path, max_size)
    with Image.open(path) as original:
        width, height = original.size
    titles = STYLE_IMAGES if dataset_name == "style" else CONTENT_IMAGES
    print(f"{titles[name][0]}: {describe(located)} from {located.where}, {width}x{height} "
          f"-> {image.shape[1]}x{image.shape[0]} pixels (longest side <= {max_size})")
    return image


def load_style_image(name: str, max_size: int = 512) -> np.ndarray:
    """A style painting as uint8 RGB (H, W, 3), its longest side at most ``max_size`` pixels.

    ``name``: ``"starry_night"``, ``"the_scream"`` or ``"great_wave"``.
    """
    return _load_single("style", name, max_size)


def load_content_image(name: str = "tubingen", max_size: int = 512) -> np.ndarray:
    """The content photo (``"tubingen"``) as uint8 RGB (H, W, 3), longest side at most ``max_size``."""
    return _load_single("content", name, max_size)


def _zip_folders(archive: Path, zf: zipfile.ZipFile) -> dict[str, list[str]]:
    """The image members of each of trainA, trainB, testA, testB, sorted by name.

    A member belongs to a folder when the folder is its parent (``<set>/trainA/x.jpg`` in
    the official zips; a zip without the top-level folder works too).
    """
    folders: dict[str, list[str]] = {folder: [] for folder in CYCLEGAN_FOLDERS}
    for info in zf.infolist():
        path = PurePosixPath(info.filename)
        if not info.is_dir() and len(path.parts) >= 2 and path.parent.name in folders \
                and path.suffix.lower() in (".jpg", ".jpeg", ".png"):
            folders[path.parent.name].append(info.filename)
    empty = [folder for folder, names in folders.items() if not names]
    if empty:
        raise DataUnavailable(f"{archive} is not a CycleGAN data set zip: no images in "
                              f"{', '.join(f + '/' for f in empty)} (it needs {', '.join(CYCLEGAN_FOLDERS)})")
    return {folder: sorted(names) for folder, names in folders.items()}


CycleGANArrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def read_cyclegan_zip(archive: Path, size: int, limits: tuple[int, int] | None = None) -> dict[str, np.ndarray]:
    """Read a CycleGAN zip's four folders as uint8 arrays (n, size, size, 3), without unpacking it.

    ``limits=(n_train, n_test)``: keep only the first images of each folder (by file name).
    """
    arrays = {}
    try:
        with zipfile.ZipFile(archive) as zf:
            for folder, names in _zip_folders(archive, zf).items():
                if limits is not None:
                    names = names[: limits[0] if folder.startswith("train") else limits[1]]
                images = np.empty((len(names), size, size, 3), dtype=np.uint8)
                for i, name in enumerate(names):
                    images[i] = read_square_image(io.BytesIO(zf.read(name)), size, label=f"{archive}:{name}")
                arrays[folder] = images
    except (zipfile.BadZipFile, EOFError) as err:
        raise DataUnavailable(f"{archive} is a damaged zip archive: {type(err).__name__}: {err}") from err
    return arrays


def load_cyclegan_images(name: str, size: int = 128) -> CycleGANArrays:
    """A CycleGAN unpaired data set: ``((train_a, train_b), (test_a, test_b))``.

    Each is uint8 (n, size, size, 3): the central square of each image, resized (the
    official images are 256x256). ``name``: ``"apple2orange"`` (A apples, B oranges) or
    ``"monet2photo"`` (A Monet paintings, B photos); ``class_names(name)`` names A and B.
    The images of a domain are in file-name order; A and B are not paired. Fast mode: the
    first ``fast_sizes`` images of each folder (100 train, 25 test).
    """
    if name not in _CYCLEGAN_SETS:
        raise ValueError(f"unknown CycleGAN data set {name!r}; choose one of: {', '.join(_CYCLEGAN_SETS)}")
    size = _check_size(size, "size")
    dataset = REGISTRY[name]
    located: Located = locate(name)
    limits = dataset.fast_sizes if settings.is_fast() else None
    arrays = read_cyclegan_zip(located.paths[f"{name}.zip"], size, limits)
    a, b = dataset.class_names
    counts = " / ".join(f"{folder} {len(arrays[folder]):,}" for folder in CYCLEGAN_FOLDERS)
    print(f"{dataset.title}: {describe(located)} from {located.where}, A = {a}, B = {b}: {counts} images "
          f"at {size}x{size}" + (" (fast mode: the first of each folder)" if limits else ""))
    return (arrays["trainA"], arrays["trainB"]), (arrays["testA"], arrays["testB"])
