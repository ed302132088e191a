"""Constants shared by the home-delivered education tests."""

HC_S1, HC_S2 = "3502050101", "3502050102"
# The two criteria the student record cannot know (HB-1), confirmed with evidence.
CONFIRMED = {"cannot_attend_school": {"met": True, "evidence": "专家委员会意见"},
             "able_to_learn": {"met": True, "evidence": "入户评估记录"}}
