"""numerics.rank_table: the reference matrices have the spectra their names say, so every measure of the table
is known for them; the tanh features are a sweepable, seeded function."""

from __future__ import annotations

import numpy as np
import pytest

from numerics import ranks
from numerics.rank_table import (EPS, REPORT_SECTIONS, random_tanh_features, rank_measure_section, rank_measure_table,
                                 reference_matrices, tanh_rank_point)


def test_reference_matrices_have_the_spectra_their_names_say():
    mats = reference_matrices(0)
    s = {name: np.linalg.svd(A, compute_uv=False) for name, (A, _w) in mats.items()}
    np.testing.assert_allclose(s["identity 10x10"], 1.0)
    np.testing.assert_allclose(s["rank 3, equal s (12x10)"][:3], 1.0, atol=1e-12)
    assert np.all(s["rank 3, equal s (12x10)"][3:] < 1e-12)
    np.testing.assert_allclose(s["s_i = 10^-i (12x10)"], 10.0 ** -np.arange(10), rtol=1e-8, atol=1e-15)
    nets = [name for name in mats if name.startswith("tanh net")]
    assert len(nets) == 2 and all(mats[n][1] is not None and mats[n][0].shape == (400, 50) for n in nets)


def test_table_rows_with_known_answers():
    table = rank_measure_table(0).set_index("matrix")
    eye = table.loc["identity 10x10"]
    assert eye["numerical_rank"] == eye[f"eps_rank({EPS:g})"] == 10
    for col in ("effective_rank (RV)", "participation_ratio", "stable_rank"):
        assert eye[col] == pytest.approx(10.0)
    assert eye["dist_to_rank(1)"] == pytest.approx(3.0)  # ‖I − rank-1‖_F = √9
    flat = table.loc["rank 3, equal s (12x10)"]
    assert flat["numerical_rank"] == 3
    for col in ("effective_rank (RV)", "participation_ratio", "stable_rank"):
        assert flat[col] == pytest.approx(3.0)  # equal singular values: every measure is the rank


def test_tanh_features_are_seeded_and_use_gauss_legendre_weights():
    phi, w = random_tanh_features(8, 2, seed=3)
    again, _ = random_tanh_features(8, 2, seed=3)
    other, _ = random_tanh_features(8, 2, seed=4)
    assert phi.shape == (400, 8) and np.array_equal(phi, again) and not np.array_equal(phi, other)
    assert w.sum() == pytest.approx(2.0) and np.all(w > 0)  # ∫_{−1}^{1} 1 = 2
    point = tanh_rank_point(8, 2, seed=3)
    assert point == {"eps_rank": ranks.epsilon_rank(phi, EPS, w), "numerical_rank": ranks.numerical_rank(phi),
                     "effective_rank": ranks.effective_rank(phi), "stable_rank": ranks.stable_rank(phi)}


def test_the_report_section_writes_the_table(tmp_path):
    (section,) = REPORT_SECTIONS
    assert section["run"] is rank_measure_section and section["folder"] == "ranks_results"
    got = rank_measure_section(out_dir=tmp_path)
    assert got["tables"]["rank measures"].equals(rank_measure_table(0))
    assert (tmp_path / "rank_measures.csv").exists()
