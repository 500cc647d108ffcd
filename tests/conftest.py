import pytest


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Lets fixtures see whether the test failed, to print server logs only then.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
