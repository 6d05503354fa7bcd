from pipeline.campaign import identity
from pipeline.campaign.identity import FormId


def test_round_trip_and_check_character():
    fid = FormId("QZSY2012", "B21", identity.person_subject("1001"), 1)
    text = str(fid)
    assert text.startswith("LZ-QZSY2012-B21-P1001-1")
    assert len(text) == len(fid.body) + 1
    assert identity.parse(f"表单编号：{text}") == fid


def test_retyped_with_spaces_and_fullwidth_still_parses():
    fid = FormId("QZSY2012", "B22", identity.department_subject("CWC"), 2)
    messy = str(fid).replace("-", " - ").translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert identity.parse(messy) == fid


def test_one_wrong_character_is_rejected():
    text = str(FormId("QZSY2012", "B21", "P1001", 1))
    wrong = text[:-3] + ("7" if text[-3] != "7" else "8") + text[-2:]
    assert identity.parse(wrong) is None
