import pickle

from shipbot.domain.errors import Rejected


def test_rejected_carries_field_problem_and_params():
    error = Rejected("zip", "mismatch", zip="94117", state="NY", actual="CA")
    assert isinstance(error, ValueError)
    assert (error.field, error.problem) == ("zip", "mismatch")
    assert error.params == {"zip": "94117", "state": "NY", "actual": "CA"}
    assert "zip: mismatch" in str(error)


def test_rejected_without_params():
    error = Rejected("phone", "format")
    assert error.params == {}
    assert str(error) == "phone: format"


def test_rejected_survives_pickling():
    copy = pickle.loads(pickle.dumps(Rejected("weight", "too_heavy", maximum="150 lb")))
    assert (copy.field, copy.problem, copy.params) == ("weight", "too_heavy", {"maximum": "150 lb"})
