"""Urdu and Hindi news through the command line: a small labelled set per language (police, army, economy;
sentences written for this test, 40 rows per label) trains, predicts unseen sentences and explains them with
whole words, read from CSV, JSON Lines and Parquet."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.cli import app

runner = CliRunner()

PLACES = {
    "urdu": ["کراچی", "لاہور", "پشاور", "کوئٹہ", "اسلام آباد"],
    "hindi": ["दिल्ली", "मुंबई", "पटना", "लखनऊ", "जयपुर"],
}
TEMPLATES = {
    "urdu": {
        "police": [
            "{} میں پولیس نے تین مشتبہ افراد کو گرفتار کر لیا",
            "{} پولیس نے چوری کے مقدمے میں ملزم کو حراست میں لے لیا",
            "{} کے تھانے میں ڈاکوؤں کے خلاف مقدمہ درج کیا گیا",
            "{} میں پولیس کے چھاپے کے دوران اسلحہ برآمد ہوا",
            "{} کی عدالت نے گرفتار ملزمان کو جسمانی ریمانڈ پر پولیس کے حوالے کر دیا",
            "{} میں ٹریفک پولیس نے ناکے پر گاڑیوں کی تلاشی لی",
            "{} پولیس نے اغوا کے ملزم کو مقابلے کے بعد پکڑ لیا",
            "{} کے ایس ایس پی نے منشیات فروشوں کے خلاف کارروائی کا حکم دیا",
        ],
        "army": [
            "{} کے قریب فوج نے سرحد پر گشت بڑھا دیا",
            "{} میں پاک فوج کے جوانوں نے فوجی مشقیں کیں",
            "{} کے کور کمانڈر نے فوجی دستوں کا معائنہ کیا",
            "{} کے نواح میں فوجی قافلے پر حملے کے بعد آپریشن شروع کیا گیا",
            "{} میں آرمی چیف نے سپاہیوں سے خطاب کیا",
            "{} کے قریب توپخانے اور ٹینکوں کی نقل و حرکت دیکھی گئی",
            "{} میں فضائیہ کے طیاروں نے فضائی مشق میں حصہ لیا",
            "{} چھاؤنی میں بریگیڈ کے افسران کا اجلاس ہوا",
        ],
        "economy": [
            "{} اسٹاک ایکسچینج میں حصص کی قیمتوں میں اضافہ ہوا",
            "{} میں مہنگائی کی شرح بڑھ کر بارہ فیصد ہو گئی",
            "{} کے تاجروں نے نئے ٹیکس کے خلاف ہڑتال کی",
            "{} میں اسٹیٹ بینک نے شرح سود برقرار رکھی",
            "{} کی برآمدات میں گزشتہ ماہ کمی ریکارڈ کی گئی",
            "{} میں بجٹ خسارہ کم کرنے کے لیے قرض لیا گیا",
            "{} کی منڈی میں آٹے اور چینی کی قیمتیں بڑھ گئیں",
            "{} میں روپے کی قدر ڈالر کے مقابلے میں گر گئی",
        ],
    },
    "hindi": {
        "police": [
            "{} में पुलिस ने तीन संदिग्धों को गिरफ्तार किया",
            "{} पुलिस ने चोरी के मामले में आरोपी को हिरासत में लिया",
            "{} के थाने में लुटेरों के खिलाफ मुकदमा दर्ज हुआ",
            "{} में पुलिस की छापेमारी में हथियार बरामद हुए",
            "{} की अदालत ने आरोपियों को पुलिस रिमांड पर भेजा",
            "{} में यातायात पुलिस ने नाके पर वाहनों की तलाशी ली",
            "{} पुलिस ने अपहरण के आरोपी को मुठभेड़ के बाद पकड़ा",
            "{} के एसपी ने नशा तस्करों के खिलाफ कार्रवाई के आदेश दिए",
        ],
        "army": [
            "{} के पास सेना ने सीमा पर गश्त बढ़ाई",
            "{} में सेना के जवानों ने सैन्य अभ्यास किया",
            "{} में कोर कमांडर ने सैन्य टुकड़ियों का निरीक्षण किया",
            "{} के पास सैन्य काफिले पर हमले के बाद अभियान शुरू हुआ",
            "{} में थल सेना प्रमुख ने सैनिकों को संबोधित किया",
            "{} के पास तोपखाने और टैंकों की आवाजाही देखी गई",
            "{} में वायुसेना के विमानों ने हवाई अभ्यास में भाग लिया",
            "{} छावनी में ब्रिगेड के अधिकारियों की बैठक हुई",
        ],
        "economy": [
            "{} शेयर बाजार में शेयरों के दाम बढ़े",
            "{} में महंगाई दर बढ़कर बारह प्रतिशत हो गई",
            "{} के व्यापारियों ने नए कर के विरोध में हड़ताल की",
            "{} में रिजर्व बैंक ने ब्याज दर में बदलाव नहीं किया",
            "{} का निर्यात पिछले महीने घट गया",
            "{} में बजट घाटा कम करने के लिए कर्ज लिया गया",
            "{} की मंडी में आटे और चीनी के दाम बढ़ गए",
            "{} में रुपया डॉलर के मुकाबले कमजोर हुआ",
        ],
    },
}
UNSEEN = {  # new sentences, places and word orders, never trained on
    "urdu": [
        ("ملتان پولیس نے ڈکیتی کے دو ملزمان گرفتار کر لیے", "police"),
        ("حیدرآباد میں پولیس نے مقدمہ درج کر کے تلاشی لی", "police"),
        ("سرحد پر فوج کے دستے اور ٹینک تعینات کر دیے گئے", "army"),
        ("فوجی مشقوں میں جوانوں اور افسران نے حصہ لیا", "army"),
        ("مہنگائی بڑھنے سے اسٹاک ایکسچینج میں حصص گر گئے", "economy"),
        ("بینک نے شرح سود اور ٹیکس کے بارے میں بجٹ تجاویز دیں", "economy"),
    ],
    "hindi": [
        ("भोपाल पुलिस ने डकैती के दो आरोपियों को गिरफ्तार किया", "police"),
        ("कानपुर में पुलिस ने मुकदमा दर्ज कर तलाशी ली", "police"),
        ("सीमा पर सेना की टुकड़ियां और टैंक तैनात किए गए", "army"),
        ("सैन्य अभ्यास में जवानों और अधिकारियों ने भाग लिया", "army"),
        ("महंगाई बढ़ने से शेयर बाजार में शेयरों के दाम गिरे", "economy"),
        ("बैंक ने ब्याज दर और कर के बारे में बजट सुझाव दिए", "economy"),
    ],
}


def labelled(language: str) -> pd.DataFrame:
    rows = [{"text": template.format(place), "label": label}
            for label, templates in TEMPLATES[language].items()
            for template in templates for place in PLACES[language]]
    return pd.DataFrame(rows)


def write(frame: pd.DataFrame, path) -> None:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False, encoding="utf-8")
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_parquet(path, index=False)


def read(path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if path.suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    return pd.read_parquet(path)


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def test_the_sets_have_a_few_dozen_rows_per_label():
    for language in TEMPLATES:
        assert labelled(language)["label"].value_counts().to_dict() == {"police": 40, "army": 40, "economy": 40}


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
@pytest.mark.parametrize("language", ["urdu", "hindi"])
def test_train_and_predict_from_each_format(tmp_path, language, suffix):
    data = tmp_path / f"train{suffix}"
    write(labelled(language), data)
    model = tmp_path / "model.joblib"
    result = run("train", data, "--model", model, "--test-size", "0.25", "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["task"] == "single_label" and out["metrics"]["accuracy"] >= 0.9, out["metrics"]

    unseen = pd.DataFrame([{"id": f"n{i}", "text": text, "expected": label}
                           for i, (text, label) in enumerate(UNSEEN[language])])
    source, target = tmp_path / f"new{suffix}", tmp_path / f"labelled{suffix}"
    write(unseen, source)
    result = run("predict", "--input", source, "--output", target, "--model", model, "--quiet")
    assert result.exit_code == 0, result.stderr
    back = read(target)
    assert back["text"].tolist() == unseen["text"].tolist()  # the texts come back unchanged
    assert back["predicted_label"].tolist() == back["expected"].tolist()


@pytest.mark.parametrize("language, word", [("hindi", "गिरफ्तार"), ("urdu", "گرفتار")])
def test_explain_and_info_show_whole_words(tmp_path, language, word):
    data = tmp_path / "train.csv"
    write(labelled(language), data)
    model = tmp_path / "model.joblib"
    assert run("train", data, "--model", model, "--quiet").exit_code == 0
    text = UNSEEN[language][0][0]
    result = run("explain", text, "--model", model, "--json", "--top", "30")
    assert result.exit_code == 0, result.stderr
    label = json.loads(result.stdout)["labels"][0]
    assert label["label"] == "police"
    terms = {t["term"]: t for t in label["up"]}
    assert word in terms and terms[word]["kind"] == "word"
    chars = [t for t in label["up"] if t["kind"] == "char"]
    assert chars and all(t["in_words"] and all(t["term"] in f"<{w}>" for w in t["in_words"]) for t in chars)
    result = run("explain", text, "--model", model, "--top", "30")
    assert result.exit_code == 0 and word in result.stdout
    info = json.loads(run("info", "--model", model, "--json").stdout)
    police_terms = [t["term"] for t in info["top_terms"]["police"]]
    assert "پولیس" in police_terms or "पुलिस" in police_terms
