"""Settings (classifier.settings): parsed from options and TOML, checked, mapped onto the pipeline, recorded."""

from __future__ import annotations

import pytest

from classifier import api, defaults
from classifier.errors import InputError
from classifier.settings import Settings

from .conftest import make_rows


def test_defaults_are_the_projects():
    settings = Settings()
    assert settings.features() == {k: defaults.FEATURES[k] for k in ("word_ngrams", "char_ngrams", "min_df", "max_df")}
    assert settings.model() == {"C": defaults.MODEL["C"], "class_weight": defaults.MODEL["class_weight"],
                                "nb_weighting": defaults.MODEL["nb_weighting"],
                                "thresholds": defaults.MODEL["thresholds"]}
    assert settings.changed() == {}


def test_options_are_parsed_as_typed():
    settings = Settings.from_options({"C": "2", "word-ngrams": "1-3", "char_ngrams": "off", "min_df": "0.01",
                                      "max_df": "500", "class_weight": "balanced", "nb": False, "thresholds": "none"})
    assert settings == Settings(C=2.0, word_ngrams=(1, 3), char_ngrams=None, min_df=0.01, max_df=500,
                                class_weight="balanced", nb=False, thresholds=None)
    assert Settings.from_options({"char_ngrams": "3-5", "min_df": "2", "word_ngrams": "2"}).features()["min_df"] == 2
    assert Settings.from_options({"char_ngrams": [3, 5]}).char_ngrams == (3, 5)
    assert Settings.from_options({"word_ngrams": "2"}).word_ngrams == (2, 2)


def test_none_means_not_given():
    base = Settings(C=3.0)
    assert Settings.from_options({"C": None, "nb": None}, base=base) == base


def test_to_dict_round_trips():
    settings = Settings(C=1.5, word_ngrams=(1, 1), char_ngrams=None, min_df=3, max_df=0.9, class_weight="balanced",
                        nb=False, thresholds=None)
    assert Settings.from_options(settings.to_dict()) == settings
    assert settings.changed()["class_weight"] == "balanced"


def test_toml_file_and_options_override_it(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text(Settings(C=4.0, word_ngrams=(1, 3)).to_toml(), encoding="utf-8")
    assert Settings.from_toml(path) == Settings(C=4.0, word_ngrams=(1, 3))
    resolved = Settings.resolve(path, {"C": "0.25", "nb": None})
    assert resolved.C == 0.25 and resolved.word_ngrams == (1, 3) and resolved.nb is True
    table = tmp_path / "table.toml"
    table.write_text('[settings]\nclass_weight = "balanced"\n', encoding="utf-8")
    assert Settings.from_toml(table).class_weight == "balanced"


@pytest.mark.parametrize("values, fragment", [
    ({"C": "0"}, "`C` must be a number above 0"),
    ({"C": "x"}, "`C` must be a number"),
    ({"word_ngrams": "2-1"}, "`word_ngrams` must be a range"),
    ({"word_ngrams": "off"}, "`word_ngrams` must be an n-gram range"),
    ({"char_ngrams": "abc"}, "`char_ngrams` must be an n-gram range"),
    ({"min_df": "0"}, "`min_df` must be 'auto'"),
    ({"max_df": "1.5"}, "`max_df` must be a share"),
    ({"class_weight": "heavy"}, "`class_weight` must be 'balanced' or 'none'"),
    ({"thresholds": "0.3"}, "`thresholds` must be f1"),
    ({"nb": "maybe"}, "`nb` must be true or false"),
    ({"gamma": 1}, "Unknown setting 'gamma'"),
])
def test_bad_values_name_the_setting(values, fragment):
    with pytest.raises(InputError) as caught:
        Settings.from_options(values)
    assert fragment in str(caught.value)


def test_unknown_names_in_a_file_list_the_known_ones(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("C = 1\nalpha = 2\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        Settings.from_toml(path)
    message = str(caught.value)
    assert "Unknown setting 'alpha'" in message and str(path) in message
    assert all(name in message for name in Settings.names())


def test_unreadable_files(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        Settings.from_toml(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("C = = 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        Settings.from_toml(broken)


def test_from_params_reads_a_pipelines_parameters():
    settings = Settings.from_params({"word_ngrams": [1, 1], "char_ngrams": None, "sublinear_tf": True},
                                    {"C": 1, "nb_weighting": False, "calibration_folds": 2})
    assert settings == Settings(C=1.0, word_ngrams=(1, 1), char_ngrams=None, nb=False)


def test_train_uses_and_records_the_settings(tmp_path):
    data = tmp_path / "train.csv"
    make_rows().to_csv(data, index=False)
    model = api.train(data, settings={"C": "2", "word_ngrams": "1-1", "char_ngrams": "off",
                                                 "class_weight": "balanced", "nb": False}, test_size=0)
    features, svm = model.pipeline.steps[0][1], model.pipeline.steps[1][1]
    assert features.word_ngrams == (1, 1) and features.char_ngrams is None
    assert svm.C == 2.0 and svm.class_weight == "balanced" and svm.nb_weighting is False
    assert model.card["settings"] == {"C": 2.0, "word_ngrams": "1-1", "char_ngrams": "off", "min_df": "auto",
                                      "max_df": 1.0, "class_weight": "balanced", "nb": False, "thresholds": "f1"}
    assert Settings.from_options(model.card["settings"]).model()["C"] == 2.0


def test_train_config_then_settings_then_features(tmp_path):
    data = tmp_path / "train.csv"
    make_rows().to_csv(data, index=False)
    config = tmp_path / "s.toml"
    config.write_text('C = 4\nword_ngrams = "1-1"\n', encoding="utf-8")
    model = api.train(data, config=config, settings={"C": 0.25}, model_params={"nb_weighting": False},
                                 test_size=0)
    assert model.pipeline.steps[1][1].C == 0.25 and model.pipeline.steps[1][1].nb_weighting is False
    assert model.pipeline.steps[0][1].word_ngrams == (1, 1)
    assert model.card["settings"]["C"] == 0.25 and model.card["settings"]["nb"] is False


def test_train_without_settings_records_the_defaults(tmp_path):
    data = tmp_path / "train.csv"
    make_rows().to_csv(data, index=False)
    model = api.train(data, test_size=0)
    assert model.card["settings"] == Settings().to_dict()


def test_settings_that_prune_every_term_are_a_user_error(tmp_path):
    data = tmp_path / "train.csv"
    make_rows().to_csv(data, index=False)
    with pytest.raises(InputError, match="Lower `min_df`"):
        api.train(data, settings={"min_df": "100000"}, test_size=0)
