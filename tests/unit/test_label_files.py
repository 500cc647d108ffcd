"""Label PDFs are stored under LABELS_DIR by label id, atomically, with safe file names."""

import pytest

from shipbot.services.label_files import LabelFiles


def test_a_label_is_saved_and_read_back(tmp_path):
    files = LabelFiles(tmp_path / "labels")
    path = files.save("se-123456", b"%PDF-1.7 label")
    assert path == tmp_path / "labels" / "se-123456.pdf"
    assert files.read("se-123456") == b"%PDF-1.7 label"
    files.save("se-123456", b"%PDF-1.7 again")
    assert files.read("se-123456") == b"%PDF-1.7 again"
    assert [p.name for p in (tmp_path / "labels").iterdir()] == ["se-123456.pdf"]


def test_a_label_id_cannot_escape_the_directory(tmp_path):
    files = LabelFiles(tmp_path / "labels")
    path = files.save("../../etc/passwd", b"%PDF")
    assert path.parent == tmp_path / "labels"
    with pytest.raises(FileNotFoundError):
        files.read("never-saved")
