"""When run in the copy (tests/test_owndata_in_copy.py), the library is the copy's own and the
demo data are absent."""
import os
from pathlib import Path

import pytest


@pytest.mark.skipif(not os.environ.get("JAMTOOLS_NO_SYNTHETIC"), reason="only in the copy")
def test_the_copy_has_no_demo_data_and_imports_itself():
    import jamtools
    from jamtools.run.config import DEFAULT_DATA_DIR

    root = Path(jamtools.__file__).resolve().parents[1]
    assert root == Path.cwd().resolve()
    assert not DEFAULT_DATA_DIR.exists()
