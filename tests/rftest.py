"""What the Python test scripts share (import with tests/ on sys.path)."""

import os
import subprocess


def gegl_module_dir(tmp):
    """A GEGL_PATH under @tmp holding only the operations Rectify uses (core,
    common, the PNG/JPEG/TIFF/EXR loaders and savers), or None. GEGL otherwise
    loads every module it has (ffmpeg, libraw, poppler, ...), whose
    process-lifetime allocations LeakSanitizer reports under ASan with unusable
    stacks, and which cost a third of a second per start."""
    try:
        libdir = subprocess.run(["pkg-config", "--variable=libdir", "gegl-0.4"],
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        return None
    mods = os.path.join(libdir, "gegl-0.4")
    names = ["gegl-core", "gegl-common"] + [f"{f}-{d}" for f in ("png", "jpg", "tiff", "exr")
                                            for d in ("load", "save")]
    if not all(os.path.exists(os.path.join(mods, n + ".so")) for n in names):
        return None
    d = os.path.join(tmp, "gegl-modules")
    os.mkdir(d)
    for n in names:
        os.symlink(os.path.join(mods, n + ".so"), os.path.join(d, n + ".so"))
    return d
