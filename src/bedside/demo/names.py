"""Material for realistic synthetic Chinese names, places and numbers."""

from __future__ import annotations

# Common surnames, roughly by frequency.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁浩凯健俊帆峰旭宇晨阳博文志建国庆东海林"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英玲桂兰萍红梅琳燕雪慧颖婷倩洁琴云莉欣怡佳悦晶丹璐"

# Region codes (GB/T 2260) of a few cities' districts, for synthetic resident IDs.
REGIONS = (
    "110105",
    "110108",
    "310104",
    "310115",
    "440106",
    "440304",
    "430104",
    "430105",
    "420106",
    "510107",
    "330106",
    "320102",
    "370102",
    "610113",
    "500103",
)

PHONE_PREFIXES = (
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "176",
    "177",
    "180",
    "182",
    "185",
    "186",
    "187",
    "188",
    "189",
    "199",
)

# code, zh name, en name, suggested first deposit in fen, female-only rooms
DEPARTMENTS = (
    ("CARD", "心血管内科", "Cardiology", 500000, False),
    ("RESP", "呼吸与危重症医学科", "Respiratory Medicine", 300000, False),
    ("GAST", "消化内科", "Gastroenterology", 300000, False),
    ("NEUR", "神经内科", "Neurology", 400000, False),
    ("ENDO", "内分泌科", "Endocrinology", 200000, False),
    ("NEPH", "肾内科", "Nephrology", 300000, False),
    ("GSUR", "普通外科", "General Surgery", 800000, False),
    ("ORTH", "骨科", "Orthopedics", 1000000, False),
    ("NSUR", "神经外科", "Neurosurgery", 1500000, False),
    ("UROL", "泌尿外科", "Urology", 600000, False),
    ("THOR", "胸外科", "Thoracic Surgery", 1000000, False),
    ("GYNE", "妇科", "Gynecology", 500000, True),
    ("OBST", "产科", "Obstetrics", 500000, True),
    ("PEDI", "儿科", "Pediatrics", 200000, False),
    ("ONCO", "肿瘤科", "Oncology", 800000, False),
    ("OPHT", "眼科", "Ophthalmology", 300000, False),
)

DIAGNOSES = {
    "CARD": "冠状动脉粥样硬化性心脏病",
    "RESP": "社区获得性肺炎",
    "GAST": "上消化道出血",
    "NEUR": "脑梗死",
    "ENDO": "2型糖尿病",
    "NEPH": "慢性肾脏病3期",
    "GSUR": "胆囊结石伴慢性胆囊炎",
    "ORTH": "腰椎间盘突出症",
    "NSUR": "颅内动脉瘤",
    "UROL": "肾结石",
    "THOR": "肺结节",
    "GYNE": "子宫肌瘤",
    "OBST": "孕38周待产",
    "PEDI": "支气管肺炎",
    "ONCO": "结肠癌术后化疗",
    "OPHT": "年龄相关性白内障",
}
