"""Demo education articles (published, Chinese), the default satisfaction survey and the
default follow-up plan. Loading twice adds nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core.db import utcnow
from bedside.education.models import EducationArticle
from bedside.surveys import service as surveys

AUTHOR = "护理部"

ARTICLES: tuple[tuple[str, str, str], ...] = (
    (
        "pre_admission",
        "入院前准备：需要携带的物品",
        """# 入院前准备

办理入院当天，请带齐以下物品，可以少跑一趟。

## 证件与资料
- 患者本人**身份证**（未成年人带户口本）和**医保卡**
- 住院证（手机上已有电子住院证的可不打印）
- 近期在外院做过的检查报告、影像片子和出院小结
- 正在服用的药物清单，最好把药盒一起带来

## 生活用品
- 换洗衣物、防滑拖鞋、毛巾、牙刷牙膏、水杯
- 手机和充电器；贵重物品和大量现金请不要带入病房
- 需要时：老花镜、助听器、助行器

## 入院当天
- 按手机上的提示预约床位、填写入院信息并缴纳预交金
- 到自助机或病区打印腕带，住院期间请一直佩戴
- 如有药物、食物过敏，请主动告诉护士

有任何疑问，请拨打病区护士站电话咨询。
""",
    ),
    (
        "in_stay",
        "住院期间预防跌倒",
        """# 住院期间预防跌倒

住院时因为疾病、用药和环境陌生，跌倒的风险会增加。

- 起床时做到“三个半分钟”：醒后平躺半分钟，坐起半分钟，双腿下垂床边半分钟，再站立行走
- 穿合脚的防滑鞋，不要穿拖沓的拖鞋
- 夜间起床请开灯，需要帮助时按床头**呼叫铃**
- 地面湿滑时不要走动，告诉保洁或护士处理
- 服用降压药、安眠药后动作要慢，最好有家属陪同

如果感到头晕、乏力，请立即坐下或躺下，并呼叫护士。
""",
    ),
    (
        "surgery",
        "手术前禁食禁饮指导",
        """# 手术前禁食禁饮

麻醉时胃里有食物，可能引起呕吐和误吸，危及生命。请严格遵守以下时间（以手术开始时间倒推）：

| 食物种类 | 术前需停止的时间 |
|---|---|
| 油炸、肉类等固体食物 | 8 小时 |
| 牛奶、米粥、面包等清淡饮食 | 6 小时 |
| 清水、无渣果汁、糖水 | 2 小时 |

## 其他注意事项
- 降压药一般可在手术当天清晨用**一小口水**送服，降糖药和抗凝药请按医生的具体安排服用或停用
- 术前一晚洗澡，剪短指甲，去除指甲油，摘下首饰和假牙
- 如出现发热、感冒或女性月经来潮，请及时告诉护士

不确定能不能吃喝时，请先问护士，不要自行决定。
""",
    ),
    (
        "discharge",
        "出院带药与用药指导",
        """# 出院带药与用药指导

出院时医生会开具出院带药，药师会说明每种药的用法。

- 按药袋上的**剂量和时间**服药，不要自行加量、减量或停药
- 漏服时：若离下次服药时间还早，尽快补服；若已接近下次服药时间，跳过这次，**不要一次吃两倍剂量**
- 服用阿司匹林、氯吡格雷等抗血小板药时，留意牙龈出血、黑便，出现时及时就医
- 服用降压药的患者每天早晚测量血压并记录，复诊时带给医生
- 药品放在阴凉干燥处，远离儿童

如服药后出现皮疹、严重头晕、胸闷等不适，请立即停药并就医。
""",
    ),
    (
        "discharge",
        "出院后伤口护理",
        """# 出院后伤口护理

- 保持伤口**清洁干燥**，按医嘱时间到门诊或社区医院换药
- 拆线前不要泡澡、游泳；淋浴时用防水敷料保护伤口
- 不要抓挠伤口，结痂让它自然脱落
- 适当增加蛋白质摄入（鸡蛋、鱼、瘦肉、豆制品），有利于愈合
- 吸烟会延缓伤口愈合，请尽量戒烟

## 出现以下情况请及时就医
- 伤口红肿、疼痛加重，或有脓性渗液
- 体温超过 38℃
- 伤口裂开或出血不止

出院后医院会通过手机发送随访问卷，请按时填写，护士会根据您的回答联系您。
""",
    ),
)


def seed(session: Session) -> None:
    have = set(session.scalars(select(EducationArticle.title)))
    now = utcnow()
    for stage, title, body in ARTICLES:
        if title in have:
            continue
        session.add(
            EducationArticle(
                title=title,
                department_id=None,
                stage=stage,
                locale="zh_CN",
                body=body.strip(),
                published=True,
                published_at=now,
                created_by=AUTHOR,
            )
        )
    surveys.ensure_defaults(session)
    session.commit()
