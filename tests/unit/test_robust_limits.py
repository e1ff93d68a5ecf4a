"""Colour limits of signed maps: robust to a single outlier, which is marked; no clipping without one."""

import numpy as np
import pandas as pd
import pytest

from afgehaakt.plotting.maps import robust_limit


def test_one_outlier_does_not_set_the_scale():
    values = pd.Series(np.r_[np.linspace(-1, 1, 99), 15.0], name="residual")
    assert robust_limit(values) == pytest.approx(np.quantile(np.abs(values), 0.98))
    assert robust_limit(values) < 1.1


def test_without_outliers_nothing_is_clipped():
    values = pd.Series(np.linspace(-0.3, -0.2, 50), name="coefficient")
    assert robust_limit(values) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="no values"):
        robust_limit(pd.Series([np.nan], name="empty"))
