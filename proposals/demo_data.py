"""Synthetic demo data at any scale, for demos and benchmarks (`manage.py generate_demo_data`).

`generate(100_000)` builds what twenty years of a committee's proposals look like: yearly
sessions of at most MAX_PER_YEAR proposals, about sixty handling units, members and collective
proposers, proposals with Chinese titles and text, one to three assignments each, reply letters
in every outcome class of the default scheme, the first proposer's satisfaction forms (about
nine in ten returned, a few dissatisfied and most of those handled again in a second round),
and in the latest session replies still owed, some of them past their due date.

Everything made hangs off sessions marked `Session.generated`: that is how demo data is told
from real data, and `delete_generated()` removes those sessions with all that is in them.
Units and categories are found by name and shared with real data (made where missing, never
deleted); demo proposers have their address at DEMO_EMAIL_DOMAIN, which is never delivered.

Rows are planned in Python with one `random.Random(seed)` (one seed and one day give the same
data) and written a session at a time, one statement a table (COPY on PostgreSQL, executemany
elsewhere): the number of queries grows with the sessions, not with the rows.
"""

import itertools
import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from offices.models import HandlingUnit

from . import caching
from .models import (
    Assignment,
    AssignmentRole,
    Category,
    Disclosure,
    FormChannel,
    FormInvitation,
    OutcomeClass,
    Proposal,
    ProposalStatus,
    Proposer,
    ProposerKind,
    Rating,
    Reminder,
    ReplyLetter,
    SatisfactionForm,
    Session,
)
from .services import assignment_default_due_on

MAX_PER_YEAR = 5000  # the national committee's yearly count
MIN_SESSIONS = 5  # a small set still spans a few years…
MIN_PER_SESSION = 100  # …but not with a handful of proposals each
NATIONAL_FROM = 50_000  # this many proposals are the national committee's
FIRST_TERM = 10
MEETINGS_PER_TERM = 5
BATCH_SIZE = 1000
DEMO_EMAIL_DOMAIN = "demo.invalid"  # RFC 2606: reserved, never delivered

# Shares of proposals, assignments, replies or forms.
NOT_REGISTERED_SHARE = 0.02
MERGED_SHARE = 0.02
COLLECTIVE_SHARE = 0.1
KEY_SHARE = 0.03
CO_SIGNED_SHARE = 0.25
UNCATEGORISED_SHARE = 0.03
PLENARY_SHARE = 0.85  # filed at the plenary meeting; the others during the year
OPINION_SHARE = 0.8  # co-handling units that send the lead unit their opinion
UNANSWERED_SHARE = 0.004  # replies never sent, in past sessions…
UNANSWERED_LATEST_SHARE = 0.07  # …and in the latest one
LATE_SHARE = 0.08
PUBLISHED_SHARE = 0.93
SIGNER_SHARE = 0.3
FORM_SHARE = 0.9
REHANDLED_SHARE = 0.75  # dissatisfied replies answered again
TITLE_MISMATCH_SHARE = 0.01  # forms that print another title than the letter quotes
ASSIGNMENT_COUNT_WEIGHTS = {1: 60, 2: 28, 3: 12}
CO_HANDLING_SHARE = 0.75  # of proposals with several units; the others are answered separately
# How the proposer rates the result, then the attitude given the result (~3 % dissatisfied).
RESULT_WEIGHTS = {Rating.SATISFIED: 79, Rating.BASICALLY_SATISFIED: 18, Rating.DISSATISFIED: 3}
REHANDLED_RESULT_WEIGHTS = {Rating.SATISFIED: 55, Rating.BASICALLY_SATISFIED: 45}
ATTITUDE_WEIGHTS = {
    Rating.SATISFIED: {Rating.SATISFIED: 1},
    Rating.BASICALLY_SATISFIED: {Rating.SATISFIED: 60, Rating.BASICALLY_SATISFIED: 40},
    Rating.DISSATISFIED: {
        Rating.SATISFIED: 20,
        Rating.BASICALLY_SATISFIED: 30,
        Rating.DISSATISFIED: 50,
    },
}
# Outcome classes by group letter (many A, some B, few C); within a group the first class is
# the likeliest. The groups of other schemes (D, 甲…) get OTHER_GROUP_WEIGHT each.
GROUP_WEIGHTS = {"A": 62, "B": 27, "C": 11}
OTHER_GROUP_WEIGHT = 5
DISCLOSURE_WEIGHTS = {
    Disclosure.ACTIVE: 60,
    Disclosure.ON_REQUEST: 8,
    Disclosure.WITHHELD: 4,
    "": 28,
}
# A letter's body, in characters: low, high, mode.
REPLY_LENGTHS = (800, 3000, 1300)
OPINION_LENGTHS = (300, 1000, 500)
# The number of variants of each sentence with figures in it.
FIGURE_VARIANTS = 8

# ---------------------------------------------------------------------------------------------
# Vocabulary

CITY = "景德镇"
# A unit's short name, its document-number prefix and, unless it is 景德镇 + the short name,
# its full name.
UNITS = [
    line.split()
    for line in """
        市发展和改革委员会 景发改字
        市教育局 景教字
        市科学技术局 景科字
        市工业和信息化局 景工信字
        市公安局 景公字
        市民政局 景民字
        市司法局 景司字
        市财政局 景财字
        市人力资源和社会保障局 景人社字
        市自然资源和规划局 景自然资规字
        市生态环境局 景环字
        市住房和城乡建设局 景建字
        市交通运输局 景交字
        市水利局 景水字
        市农业农村局 景农字
        市商务局 景商字
        市文化广电新闻出版旅游局 景文广旅字
        市卫生健康委员会 景卫健字
        市退役军人事务局 景退役军人字
        市应急管理局 景应急字
        市审计局 景审字
        市市场监督管理局 景市监字
        市统计局 景统字
        市医疗保障局 景医保字
        市林业局 景林字
        市城市管理局 景城管字
        市行政审批局 景审批字
        市体育局 景体字
        市国有资产监督管理委员会 景国资字
        市地方金融监督管理局 景金融字
        市信访局 景信访字
        市粮食和物资储备局 景粮储字
        市人民防空办公室 景人防字
        市机关事务管理局 景机管字
        市乡村振兴局 景乡振字
        市陶瓷工业发展局 景陶工字
        市大数据中心 景数据字
        市住房公积金管理中心 景公积金字
        市残疾人联合会 景残联字
        市总工会 景工字
        市妇女联合会 景妇字
        市科学技术协会 景科协字
        市公安局交通管理支队 景公交管字
        市消防救援支队 景消字
        市气象局 景气字
        团市委 景团字 共青团景德镇市委员会
        市委宣传部 景宣字 中共景德镇市委宣传部
        市委组织部 景组字 中共景德镇市委组织部
        市委统战部 景统战字 中共景德镇市委统一战线工作部
        市委政法委员会 景政法字 中共景德镇市委政法委员会
        市中级人民法院 景中法字 景德镇市中级人民法院
        市人民检察院 景检字 景德镇市人民检察院
        国家试验区管委会办公室 景国试管办案字 景德镇国家陶瓷文化传承创新试验区管理委员会办公室
        高新区管委会 景高新管字 景德镇高新技术产业开发区管理委员会
        昌江区人民政府 昌府字 景德镇市昌江区人民政府
        珠山区人民政府 珠府字 景德镇市珠山区人民政府
        浮梁县人民政府 浮府字 浮梁县人民政府
        乐平市人民政府 乐府字 乐平市人民政府
        景德镇陶瓷大学 景陶大字 景德镇陶瓷大学
        景德镇学院 景院字 景德镇学院
        市城市建设投资集团 景城投字 景德镇市城市建设投资集团有限责任公司
        国网景德镇供电公司 景电字 国网江西省电力有限公司景德镇供电分公司
        市税务局 景税字 国家税务总局景德镇市税务局
    """.strip().splitlines()
]


@dataclass(frozen=True)
class Topic:
    category: str
    field: str  # as in "对{field}工作的关心和支持"
    subjects: list[str]  # what titles propose to act on
    units: list[str]  # the units that answer it, the likeliest lead first


TOPICS = [
    Topic(
        "经济建设",
        "经济发展",
        """日用陶瓷产业转型升级 民营经济高质量发展 中小微企业融资服务 营商环境持续优化
        重点产业链招商引资 数字经济与实体经济深度融合 县域经济特色发展 工业园区集约化建设
        外贸企业稳订单拓市场 夜间经济和消费升级 老字号品牌保护与传承 现代物流体系建设
        航空产业集群发展 陶瓷电商直播基地建设""".split(),
        """市发展和改革委员会 市工业和信息化局 市商务局 市陶瓷工业发展局 市地方金融监督管理局
        市市场监督管理局 高新区管委会 市行政审批局 市财政局 市税务局 国网景德镇供电公司""".split(),
    ),
    Topic(
        "科技创新",
        "科技创新",
        """科技成果转化 企业研发投入激励 高层次人才引进与服务 陶瓷新材料研发平台建设
        产学研深度融合 知识产权保护体系建设 青年科技人才培养 科技型企业梯次培育 数字政府建设
        5G网络和算力设施布局""".split(),
        """市科学技术局 市工业和信息化局 市大数据中心 市委组织部 市人力资源和社会保障局
        景德镇陶瓷大学 市科学技术协会 市市场监督管理局""".split(),
    ),
    Topic(
        "教育",
        "教育",
        """城区义务教育学位供给 乡村教师队伍建设 职业教育产教融合 普惠性学前教育发展
        中小学生心理健康教育 校园周边交通安全治理 课后服务质量提升 陶瓷非遗文化进校园
        青少年近视防控 特殊教育保障 高校毕业生留景就业创业 中小学劳动教育""".split(),
        """市教育局 市人力资源和社会保障局 市财政局 团市委 市公安局交通管理支队 景德镇学院
        市卫生健康委员会""".split(),
    ),
    Topic(
        "医疗卫生",
        "卫生健康",
        """基层医疗卫生服务能力 紧密型县域医共体建设 医保异地就医直接结算 中医药传承创新发展
        公共卫生应急体系 医养结合服务 儿童友好医疗服务 精神卫生服务体系 家庭医生签约服务
        药品集中带量采购落地""".split(),
        "市卫生健康委员会 市医疗保障局 市民政局 市市场监督管理局 市财政局".split(),
    ),
    Topic(
        "文化旅游",
        "文化和旅游",
        """陶瓷文化国际传播 御窑厂遗址保护利用 全域旅游发展 非物质文化遗产传承保护
        历史文化街区活化利用 文旅融合与夜游经济 陶瓷文化创意产业 公共文化服务体系
        乡村旅游精品线路 研学旅行基地建设 城市旅游品牌宣传""".split(),
        """市文化广电新闻出版旅游局 国家试验区管委会办公室 市委宣传部 珠山区人民政府
        浮梁县人民政府 市商务局 市体育局""".split(),
    ),
    Topic(
        "城乡建设",
        "城乡建设",
        """老旧小区改造 城区停车设施建设 城市内涝治理 公共交通线网优化 背街小巷环境整治
        城市慢行系统建设 物业服务管理规范 保障性住房建设 城市更新与历史建筑保护
        电动自行车充电设施建设 农村公路提档升级""".split(),
        """市住房和城乡建设局 市城市管理局 市交通运输局 市公安局交通管理支队 市自然资源和规划局
        昌江区人民政府 市城市建设投资集团 市人民防空办公室""".split(),
    ),
    Topic(
        "生态环境",
        "生态环境保护",
        """昌江流域水生态保护 大气污染联防联控 陶瓷窑炉废气治理 农村生活污水处理
        垃圾分类和资源化利用 森林防火与生态修复 饮用水水源地保护 噪声污染防治 碳达峰碳中和行动
        废弃矿山生态修复""".split(),
        """市生态环境局 市水利局 市林业局 市城市管理局 市农业农村局 市自然资源和规划局
        市气象局""".split(),
    ),
    Topic(
        "农业农村",
        "农业农村",
        """高标准农田建设 乡村特色产业发展 浮梁茶产业品牌建设 农村集体经济发展 农产品冷链物流
        农村人居环境整治 新型农业经营主体培育 耕地保护和粮食安全 农村电商发展
        乡村人才振兴""".split(),
        """市农业农村局 市乡村振兴局 浮梁县人民政府 乐平市人民政府 市商务局 市林业局
        市粮食和物资储备局 市自然资源和规划局""".split(),
    ),
    Topic(
        "社会保障",
        "民生保障",
        """灵活就业人员社会保障 居家社区养老服务 困难群众兜底保障 残疾人就业帮扶
        新就业形态劳动者权益保障 婴幼儿照护服务体系 退役军人服务保障 住房公积金缴存扩面
        城乡居民医疗保险 农民工工资支付保障""".split(),
        """市人力资源和社会保障局 市民政局 市医疗保障局 市残疾人联合会 市退役军人事务局
        市住房公积金管理中心 市总工会 市妇女联合会""".split(),
    ),
    Topic(
        "社会治理",
        "社会治理",
        """基层社会治理现代化 电信网络诈骗防范 食品安全监管 安全生产责任落实 矛盾纠纷多元化解
        未成年人保护 消防安全隐患整治 公共法律服务 社区网格化管理 信访工作法治化""".split(),
        """市公安局 市司法局 市市场监督管理局 市应急管理局 市消防救援支队 市委政法委员会
        市信访局 市中级人民法院 市人民检察院 市审计局 市统计局 市机关事务管理局
        市国有资产监督管理委员会 市委统战部""".split(),
    ),
]

VERBS = (
    "加快推进 进一步加强 完善 优化 深化 做好 统筹推进 着力推进 切实抓好 全面提升 规范 支持".split()
)
GOALS = "高质量发展 乡村全面振兴 共同富裕 国际瓷都建设 城市能级提升 民生改善".split()
# A title's shape and how often it is used ({place}: the committee's 我市 or 全国).
TITLE_TEMPLATES = {
    "关于{verb}{subject}的建议": 40,
    "关于{verb}{subject}的提案": 8,
    "关于加大{subject}力度的建议": 8,
    "关于{subject}的几点建议": 8,
    "关于在{place}{verb}{subject}的建议": 8,
    "关于{verb}{subject}、{verb2}{subject2}的建议": 10,
    "关于{verb}{subject}，助力{goal}的建议": 10,
    "关于{subject}存在的问题及对策建议": 8,
}
TITLE_LENGTHS = (12, 40)
# A form now and then prints the title a little differently (real data disagrees).
TITLE_VARIANTS = {"推进": "促进", "加强": "强化", "建议": "提案", "完善": "健全"}

# Common surnames, the commonest first.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严武戴莫孔向汤洪"
)
GIVEN_NAME_CHARACTERS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂文辉华建国红志新春海玲燕林峰鹏斌宇浩凯"
    "俊帆晨瑞博宁欣婷雪琳颖倩晶慧佳思嘉子雨梓轩然彤诗雅晓立永德松荣庆光金玉兰萍凤云亮飞成"
    "波宏卫东民生龙正清才良勤忠诚毅远航蕾蓉薇莉洁琴虹梅丹悦怡馨柏"
)
DISTRICTS = "珠山区 昌江区 浮梁县 乐平市 高新区".split()
ROADS = """珠山中路 新厂西路 瓷都大道 昌南大道 景东大道 广场北路 莲社北路 胜利路 人民大道 朝阳路
    陶阳南路 曙光路 新风路 里市渡路""".split()
PARTIES = "民革 民盟 民建 民进 农工党 致公党 九三学社 台盟".split()
SECTORS = """经济界别 教育界别 医药卫生界别 文化艺术界别 农业和农村界别 科学技术界别
    社会福利和社会保障界别 无党派人士界别""".split()
SPECIAL_COMMITTEES = """经济委员会 教科卫体委员会 文化文史和学习委员会 社会和法制委员会
    人口资源环境委员会""".split()
NOT_REGISTERED_REASONS = [
    "属于个人诉求，不宜作为提案办理，已转有关部门研究处理。",
    "涉及正在司法程序中的具体案件，不予立案。",
    "内容属于党派团体内部事务，不予立案。",
    "建议内容已在上届提案中答复且无新情况，转为社情民意信息报送。",
    "一事多议，主题不够集中，请修改后作为平时提案提交。",
]

# A reply letter: opening, background, numbered points, next steps, closing. {you} is 您 or
# 您们, {self} the unit as it names itself (我局, 我委…), {field} the topic's field.
OPENINGS = [
    "{you}提出的《{title}》提案已收悉。感谢{you}对{field}工作的关心和支持。",
    "{you}提出的《{title}》收悉。首先感谢{you}对我们工作的理解、关心和支持。",
    "{you}在{session}上提出的《{title}》提案，已由{self}牵头办理。",
]
OPENING_FOLLOW_UPS = [
    "经认真研究，现答复如下：",
    "{self}高度重视，组织专人认真研究办理，现将有关情况答复如下：",
    "{self}对此高度重视，及时召开专题会议研究办理，并与{you}进行了沟通，现答复如下：",
    "{you}的提案立足实际、分析深入，所提建议针对性和可操作性强，对我们做好相关工作具有"
    "重要参考价值。现将办理情况答复如下：",
]
BACKGROUND = [
    "近年来，在市委、市政府的坚强领导下，全市{field}工作取得了明显成效。",
    "{field}工作事关经济社会发展全局和人民群众切身利益，我们始终高度重视。",
    "{you}在提案中指出的问题客观存在，也是我们当前工作中着力解决的重点和难点。",
    "我们坚持以人民为中心的发展思想，把{field}工作摆在突出位置，纳入年度重点工作任务清单。",
    "当前，{field}工作正处于爬坡过坎的关键时期，既面临难得机遇，也面临不少挑战。",
    "从总体情况看，全市{field}工作基础不断夯实，但与群众的期盼相比仍有一定差距。",
]
POINTS_INTRO = [
    "近年来，{self}主要开展了以下工作：",
    "围绕{you}提出的建议，我们重点做了以下几方面工作：",
    "结合{you}的建议，{self}会同相关单位采取了以下措施：",
]
ASPECTS = [
    "加强组织领导，压实工作责任",
    "完善政策体系，强化制度保障",
    "加大资金投入，强化要素保障",
    "坚持问题导向，推动工作落实",
    "强化部门协同，形成工作合力",
    "注重宣传引导，营造良好氛围",
    "深化改革创新，激发内生动力",
    "加强督查考核，确保取得实效",
    "聚焦重点难点，精准施策发力",
    "补齐短板弱项，提升服务水平",
    "坚持试点先行，稳步推广经验",
    "强化人才支撑，夯实工作基础",
    "推进数字赋能，提高管理效率",
    "健全长效机制，巩固工作成果",
]
ORDINALS = "一二三四五六七八九十"
# The sentences of the numbered points; {money}, {count}, {count2}, {percent} and {people}
# are figures.
ACTIONS = [
    "我们把{field}工作纳入年度重点工作任务清单，明确了责任分工和时间节点。",
    "先后出台了《关于加快推进{field}工作的实施意见》等政策文件，进一步完善了制度体系。",
    "近三年累计投入专项资金{money}亿元，实施重点项目{count}个，有效改善了相关基础条件。",
    "建立了部门联席会议制度，定期研究解决工作推进中的重点难点问题。",
    "积极争取上级政策和资金支持，共争取中央和省级资金{money}亿元。",
    "组织开展专题调研{count}次，深入基层一线了解实际情况，听取群众意见建议。",
    "会同相关部门制定了工作方案，细化了{count}项具体措施，确保各项任务落地见效。",
    "通过报纸、电视、网络等多种渠道广泛宣传相关政策，营造了良好的社会氛围。",
    "将{field}工作纳入部门年度绩效考核内容，定期通报工作进展情况。",
    "在试点基础上认真总结经验做法，逐步在全市范围内推广。",
    "目前，相关工作已取得阶段性成效，群众满意度持续提升。",
    "截至目前，已完成年度目标任务的{percent}%，总体进展顺利。",
    "同时也要看到，{field}工作仍存在投入不足、发展不平衡、服务能力有待提升等问题。",
    "对于涉及多个部门的事项，我们已与相关单位进行了沟通衔接，共同研究推动解决。",
    "受资金、土地等要素制约，部分建议暂时难以全面落实，我们将积极创造条件逐步推进。",
    "搭建了线上服务平台，相关业务实现“一网通办”，群众办事更加便捷。",
    "举办各类业务培训班{count}期，培训相关人员{people}人次。",
    "不断优化服务流程，办理时限平均压缩{percent}%以上。",
    "注重典型示范引领，培育了一批可复制、可推广的经验做法。",
    "组织赴先进地区考察学习{count}次，借鉴外地好的经验和做法。",
    "推动工作由集中整治向常态化管理转变，防止问题反弹。",
    "积极引导社会资本参与，形成了政府主导、社会参与、多元投入的工作格局。",
    "对排查出的{count}个问题逐一建立台账，实行销号管理。",
    "按照“一项目一方案一专班”的要求，全力推动重点项目建设。",
    "聚焦群众反映强烈的突出问题，开展了为期{count}天的专项整治行动。",
    "全市共建成相关设施{count}处，惠及群众{people}人。",
    "相关做法得到了上级部门的充分肯定，并在全省作经验交流。",
    "组织相关部门开展联合检查{count}次，发现并督促整改问题{count2}个。",
    "在资金、用地、人才等方面给予倾斜支持，进一步激发了市场主体活力。",
    "及时回应社会关切，对群众反映的问题做到件件有回音、事事有着落。",
    "加强统计监测和分析研判，定期形成工作报告报送市政府。",
    "积极推动相关规范性文件的制定修订工作，提升工作法治化、规范化水平。",
    "去年，全市{field}领域主要指标稳中有进，部分指标位居全省前列。",
    "建立健全考核评价体系，把工作成效作为评先评优的重要依据。",
    "充分发挥行业协会和社会组织作用，引导各方力量共同参与。",
    "制定了年度工作要点，将目标任务分解到季度、落实到责任人。",
    "主要负责同志多次带队深入一线调研督导，现场协调解决问题{count}个。",
    "委托第三方机构开展评估，评估结果显示群众满意率达到{percent}%。",
    "全年共受理相关诉求{people}件，办结率达{percent}%。",
    "推动建设了一批示范项目，其中{count}个项目被评为省级示范。",
    "积极对接省直有关部门，争取将相关项目列入省级重点项目库。",
    "开展“我为群众办实事”实践活动，解决了一批群众急难愁盼问题。",
    "完善了应急处置预案，组织开展应急演练{count}次。",
    "运用大数据等手段加强动态监测，做到问题早发现、早处置。",
    "出台了配套实施细则，明确了补助标准、申报条件和办理流程。",
    "组织召开座谈会{count}场，广泛听取企业、群众和专家学者的意见。",
    "与周边地市建立了协作机制，在信息共享、联合执法等方面加强合作。",
    "将相关内容纳入国民经济和社会发展规划，作为今后一个时期的重点任务。",
    "设立了{money}亿元的引导基金，撬动社会资本投入{money2}亿元。",
    "对标先进地区的做法，查找差距，制定了整改提升清单。",
    "加强对基层工作人员的业务指导，编印了工作手册{count}册。",
    "建立了定期会商和信息报送制度，每月调度一次工作进展。",
    "开展专项督查{count}次，对工作推进不力的单位进行了约谈。",
    "依托政务服务平台开通了专门窗口，实现了“一站式”办理。",
    "相关工作经验被省级媒体专题报道，社会反响良好。",
    "积极推广新技术、新模式，工作效率提高了{percent}%。",
    "坚持边建设边管理，做到建成一处、管好一处。",
    "完善了资金使用管理办法，确保专款专用、发挥效益。",
    "注重发挥政协委员、人大代表的监督作用，主动接受社会监督。",
    "在全市范围内开展了摸底排查，掌握了第一手资料。",
]
# Sentences about the proposal's own subject, one or two a letter.
SUBJECT_SENTENCES = [
    "针对{subject}，{self}专门成立了工作专班，制定了专项工作方案。",
    "关于{you}提到的{subject}问题，我们已将其列入明年重点工作计划。",
    "在{subject}方面，{self}已会同有关部门开展了专题调研，形成了调研报告。",
    "{you}关于{subject}的建议很有见地，我们已在相关政策制定中予以吸收。",
    "目前，{subject}已纳入市政府年度民生实事项目，正在有序推进。",
]
NEXT_STEPS = [
    "下一步，我们将认真吸纳{you}的意见建议，进一步加大工作力度，推动各项措施落地见效。",
    "下一步，{self}将继续加强与相关部门的沟通协调，形成工作合力，努力把好事办好、实事办实。",
    "下一步，我们将把{you}的建议作为改进工作的重要参考，在制定年度计划时统筹考虑。",
    "下一步，我们将坚持问题导向，补短板、强弱项，不断提升{field}工作水平。",
    "今后，我们将密切跟踪工作进展，及时向{you}通报有关情况。",
]
CLOSINGS = [
    "再次感谢{you}对{field}工作的关心和支持，欢迎继续提出宝贵意见和建议。",
    "衷心感谢{you}对我们工作的关心和支持！",
    "感谢{you}对{self}工作的关心和支持，希望继续给予指导和帮助。",
]
OPINION_OPENING = "关于{session}第{number}号《{title}》提案，{self}会办意见如下："
# A proposal's text: the situation, the problems, the suggestions.
PROPOSAL_INTROS = [
    "{subject}是{field}工作的重要内容，关系群众切身利益。",
    "近年来，我市{subject}工作取得了一定成效，但与群众期盼相比还有不少差距。",
    "经过深入调研，我们发现{subject}方面仍存在一些亟待解决的问题。",
]
PROBLEMS = [
    "统筹协调机制不够健全，部门之间信息共享不充分。",
    "资金投入相对不足，历史欠账较多，基础设施短板明显。",
    "专业人才匮乏，队伍结构老化，难以适应新形势新要求。",
    "政策落实存在“最后一公里”问题，群众获得感不强。",
    "城乡之间、区域之间发展不平衡的问题依然突出。",
    "监管手段相对落后，信息化水平不高。",
    "宣传引导不够到位，社会参与度不高。",
    "相关配套政策不够完善，可操作性有待增强。",
    "长效管理机制尚未建立，问题反弹现象时有发生。",
    "市场主体活力不足，龙头企业带动作用不明显。",
]
SUGGESTIONS = [
    "加强顶层设计，出台专项规划和配套政策。",
    "建立由市政府分管领导牵头的联席会议制度，统筹解决重大问题。",
    "设立专项资金，加大财政投入力度，并积极引导社会资本参与。",
    "加强人才队伍建设，完善引进、培养和激励机制。",
    "借鉴先进地区经验，选择条件成熟的地方先行试点。",
    "加快信息化平台建设，推动数据共享和业务协同。",
    "强化督查考核，将相关工作纳入年度综合考核。",
    "加大宣传力度，营造全社会共同关心支持的良好氛围。",
    "建立健全长效机制，推动工作常态化、规范化。",
    "进一步简化办事流程，提高服务效率和群众满意度。",
]
SUB_ORDINALS = ["（一）", "（二）", "（三）", "（四）", "（五）"]
COMMENTS = {
    Rating.SATISFIED: ["谢谢", "满意", "感谢承办单位的认真办理", "答复认真负责，措施具体", ""],
    Rating.BASICALLY_SATISFIED: [
        "希望加快推进进度",
        "建议进一步细化落实措施",
        "部分问题仍需持续关注",
        "希望加强与提案者的沟通",
        "",
    ],
    Rating.DISSATISFIED: [
        "答复内容较为笼统，未回应提案提出的具体问题",
        "办理过程中未与提案者沟通",
        "所提问题至今未见实质性进展",
        "希望重新研究办理",
    ],
}
# Each unit ends its titles its own way; a second round and a co-handling opinion their way.
REPLY_TITLE_ENDINGS = ["答复的函", "答复的函", "答复的函", "答复函", "的答复"]
REHANDLED_TITLE_ENDING = "再次答复的函"
OPINION_TITLE_ENDING = "会办意见的函"
# How a unit names itself in its letters, by the end of its name; else 我单位.
SELF_NAMES = {
    "局": "我局",
    "委员会": "我委",
    "管委会": "我委",
    "办公室": "我办",
    "区人民政府": "我区",
    "县人民政府": "我县",
    "市人民政府": "我市",
    "部": "我部",
    "学院": "我校",
    "大学": "我校",
    "院": "我院",
    "中心": "我中心",
    "支队": "我支队",
    "会": "我会",
    "集团": "我集团",
    "公司": "我公司",
}


class DemoDataRefused(Exception):
    """The database holds what the generator must not mix with or overwrite; str() says why
    and which option allows it."""


@dataclass(frozen=True)
class Committee:
    name: str
    place: str  # as titles name it: 在我市…, 在全国…
    copied_to: list[str]
    bodies: list[str]  # the collective proposers


def committee_for(proposals: int) -> Committee:
    if proposals >= NATIONAL_FROM:
        bodies = [f"{party}中央" for party in PARTIES] + ["全国工商联"]
        return Committee(
            "全国政协",
            "全国",
            ["全国政协提案委员会", "国务院办公厅督查室"],
            bodies + SECTORS + SPECIAL_COMMITTEES,
        )
    bodies = [f"{party}市委会" for party in PARTIES[:-1]] + ["市工商联"]
    return Committee(
        "市政协",
        "我市",
        ["市政协提案委员会", "市政府督查室"],
        bodies + SECTORS + SPECIAL_COMMITTEES,
    )


def session_sizes(proposals: int) -> list[int]:
    """How many proposals each yearly session has, oldest first."""
    sessions = max(
        math.ceil(proposals / MAX_PER_YEAR),
        min(MIN_SESSIONS, math.ceil(proposals / MIN_PER_SESSION)),
    )
    base, extra = divmod(proposals, sessions)
    return [base + (1 if index < extra else 0) for index in range(sessions)]


def latest_session_year(today: date) -> int:
    """The latest year whose plenary proposals are all past their due date by `today`."""
    return (today - timedelta(days=250)).year


# ---------------------------------------------------------------------------------------------
# Entry points


def generate(
    proposals: int,
    *,
    seed: int = 1,
    force: bool = False,
    replace: bool = False,
    dry_run: bool = False,
    today: date | None = None,
    stdout=None,
) -> dict[str, int | float]:
    """Generate a data set of `proposals` proposals, in one transaction (rolled back with
    `dry_run`); return the counts of what was made, and `seconds`. Raises DemoDataRefused
    where the database holds real proposals (unless `force`) or demo data (unless `replace`,
    which deletes it first). `stdout` gets a line per session."""
    if proposals < 1:
        raise ValueError("At least one proposal.")
    started = time.perf_counter()
    with transaction.atomic():
        check_database(force=force, replace=replace)
        if replace:
            delete_generated()
        generator = _Generator(proposals, seed, today or timezone.localdate(), stdout)
        counts = generator.run()
        analyze()
        caching.data_changed(reference=True)  # bulk writes send no signals
        if dry_run:
            transaction.set_rollback(True)
    return {**counts, "seconds": round(time.perf_counter() - started, 1)}


def check_database(*, force: bool, replace: bool) -> None:
    """Raise DemoDataRefused where generating would mix with real data or demo data."""
    real = Proposal.objects.filter(session__generated=False).count()
    if real and not force:
        raise DemoDataRefused(
            f"The database holds {real} real proposal{'' if real == 1 else 's'} (in sessions "
            "not made by generate_demo_data): demo data would mix with their figures. Use "
            "--force to add it beside them."
        )
    generated = Session.objects.filter(generated=True).count()
    if generated and not replace:
        raise DemoDataRefused(
            f"The database already holds demo data ({generated} generated sessions). Use "
            "--replace to delete it and generate anew."
        )


def delete_generated() -> int:
    """Delete the generated sessions and all that is in them, then the demo proposers nothing
    refers to any more; return the number of proposals deleted.

    One DELETE a table, children first: rows are gone before the rows they point at, so no
    PROTECT is broken (and the database's foreign keys still check that), while Django's
    QuerySet.delete() would load every row to look for protected ones."""
    in_demo = "proposal__session__generated"
    for queryset in [
        Reminder.objects.filter(
            Q(**{f"assignment__{in_demo}": True})
            | Q(**{f"invitation__reply__assignment__{in_demo}": True})
        ),
        SatisfactionForm.objects.filter(**{f"reply__assignment__{in_demo}": True}),
        FormInvitation.objects.filter(**{f"reply__assignment__{in_demo}": True}),
        ReplyLetter.objects.filter(**{f"assignment__{in_demo}": True}),
        Assignment.objects.filter(**{in_demo: True}),
        Proposal.co_signers.through.objects.filter(**{in_demo: True}),
        Proposal.objects.filter(session__generated=True, merged_into__isnull=False),
    ]:
        _delete(queryset)
    deleted = _delete(Proposal.objects.filter(session__generated=True))
    _delete(Session.objects.filter(generated=True))
    _delete(
        Proposer.objects.filter(
            email__endswith=f"@{DEMO_EMAIL_DOMAIN}",
            proposals__isnull=True,
            co_signed_proposals__isnull=True,
            forms__isnull=True,
            invitations__isnull=True,
        )
    )
    return deleted


def _delete(queryset) -> int:
    # The one-statement DELETE that Django itself runs for the rows nothing points at.
    return queryset._raw_delete(queryset.db)


def analyze() -> None:
    """Refresh the query planner's statistics of the tables a bulk load filled (SQLite plans
    with them too, once ANALYZE has written them)."""
    models = [
        Session,
        Proposer,
        Proposal,
        Proposal.co_signers.through,
        Assignment,
        ReplyLetter,
        FormInvitation,
        SatisfactionForm,
    ]
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# ---------------------------------------------------------------------------------------------
# The generator


class _Planned:
    """A row planned for `model`: its values as attributes, the rows it points at as objects
    (planned or saved). A model instance costs several times as much to make, and a large
    set has a million rows."""

    def __init__(self, model, **values):
        self.model = model
        self.pk = None
        self.__dict__.update(values)


class _Writer:
    """Writes many planned rows fast: ids are drawn first, so that planned rows can point at
    one another, then each table is written in one statement, PostgreSQL's COPY or else an
    executemany. (bulk_create builds its SQL value by value: at this scale that took half
    of the time, and PostgreSQL as long again to parse it.)

    No audit trail (proposals.history) is written for these rows: they are synthetic, and
    dropped at will; edits made to them later in the admin are recorded as any other."""

    PLAIN = frozenset({str, int, bool, type(None)})  # what a database takes as it is

    def __init__(self):
        self.postgresql = connection.vendor == "postgresql"

    def number(self, rows: list[_Planned]) -> None:
        """Give the rows the next ids of their table."""
        for row, pk in zip(rows, self._next_ids(rows[0].model, len(rows)), strict=True):
            row.pk = pk

    def write(self, rows: list[_Planned]) -> None:
        model = rows[0].model
        fields = model._meta.concrete_fields
        self._check_names(model, rows)
        values = [self._value_getter(model_field) for model_field in fields]
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with connection.cursor() as cursor:
            if self.postgresql:
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([value(row) for value in values])
            else:
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                    [[value(row) for value in values] for row in rows],
                )

    def _check_names(self, model, rows: list[_Planned]) -> None:
        """A misspelt field would otherwise be left at its default without a word."""
        known = {"model", "pk"} | {f.name for f in model._meta.concrete_fields}
        unknown = set().union(*(vars(row) for row in rows)) - known
        if unknown:
            raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}.")

    def _next_ids(self, model, count: int) -> list[int]:
        table, pk = model._meta.db_table, model._meta.pk.column
        with connection.cursor() as cursor:
            if self.postgresql:  # taken from the sequence: safe beside other writers
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk, count],
                )
                return sorted(next_id for (next_id,) in cursor.fetchall())
            # Elsewhere (SQLite) this transaction has written already: no one else can now.
            quote = connection.ops.quote_name
            cursor.execute(f"SELECT MAX({quote(pk)}) FROM {quote(table)}")
            last = cursor.fetchone()[0] or 0
            return list(range(last + 1, last + 1 + count))

    def _value_getter(self, model_field):
        """A function from a planned row to the value of the field's column."""
        name = model_field.name
        if model_field.primary_key:
            return lambda row: row.pk
        if model_field.is_relation:  # the pk of the row it points at, planned or saved
            return lambda row: getattr(getattr(row, name, None), "pk", None)
        default, plain = model_field.get_default(), self.PLAIN

        def value(row):
            raw = getattr(row, name, default)
            return raw if type(raw) in plain else model_field.get_db_prep_save(raw, connection)

        return value


@dataclass
class _Rows:
    """One session's rows, each list pointing only at rows in the lists before it."""

    proposals: list[_Planned] = field(default_factory=list)
    co_signatures: list[_Planned] = field(default_factory=list)
    assignments: list[_Planned] = field(default_factory=list)
    replies: list[_Planned] = field(default_factory=list)
    invitations: list[_Planned] = field(default_factory=list)
    forms: list[_Planned] = field(default_factory=list)

    def insert(self) -> None:
        writer = _Writer()
        tables = [rows for rows in vars(self).values() if rows]
        for rows in tables:
            writer.number(rows)
        for rows in tables:
            writer.write(rows)


@dataclass
class _SessionPlan:
    """What one session's rows share while they are planned."""

    session: Session
    name: str  # 市政协十四届五次会议
    opening: date  # the plenary meeting
    members: list[Proposer]  # the members of its term
    online_share: float  # of the forms returned
    unanswered_share: float
    rows: _Rows = field(default_factory=_Rows)
    # Registered proposals by category: a proposal may be merged into one on the same matter.
    registered: dict[str, list[_Planned]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class _Case:
    """One registered proposal while its assignments and replies are planned."""

    plan: _SessionPlan
    proposal: _Planned
    topic: Topic
    subject: str  # the title's
    lead: _Planned | None = None  # the lead unit's assignment

    @property
    def printed_number(self) -> str:
        return f"{self.proposal.number:0{self.plan.session.number_digits}d}"


class _Generator:
    def __init__(self, proposals: int, seed: int, today: date, stdout):
        self.rng = random.Random(seed)
        self.today = today
        self.now = timezone.now()
        self.zone = timezone.get_current_timezone()
        self.stdout = stdout
        self.sizes = session_sizes(proposals)
        self.committee = committee_for(proposals)
        self.actions = {topic.category: self._actions(topic) for topic in TOPICS}
        self.action_orders = [self.rng.sample(range(len(ACTIONS)), len(ACTIONS)) for _ in range(32)]
        self.aspect_orders = [self.rng.sample(ASPECTS, len(ASPECTS)) for _ in range(32)]
        self.counts: Counter = Counter()

    def run(self) -> dict[str, int]:
        self.sessions = self._sessions()
        self.units = self._units()
        self.categories = self._categories()
        self.outcome_classes, self.outcome_weights = self._outcome_classes()
        self.members = self._members()
        self.bodies = self._bodies()
        self.sequences = self._doc_sequences()
        for index, session in enumerate(self.sessions):
            self._session(index, session)
        return {
            "sessions": len(self.sessions),
            "units": len(self.units),
            "proposers": len(self.members) + len(self.bodies),
            **self.counts,
        }

    # Reference rows

    def _sessions(self) -> list[Session]:
        first_year = latest_session_year(self.today) - len(self.sizes) + 1
        sessions = [
            Session(
                committee=self.committee.name,
                term=FIRST_TERM + index // MEETINGS_PER_TERM,
                meeting=index % MEETINGS_PER_TERM + 1,
                year=first_year + index,
                number_digits=max(3, len(str(size))),
                generated=True,
            )
            for index, size in enumerate(self.sizes)
        ]
        taken = Session.objects.filter(
            committee=self.committee.name, term__in={session.term for session in sessions}
        ).values_list("term", "meeting")
        clash = {(session.term, session.meeting) for session in sessions} & set(taken)
        if clash:
            term, meeting = min(clash)
            raise DemoDataRefused(
                f"The database holds a real session {self.committee.name} term {term} meeting "
                f"{meeting}, whose name a demo session would take: generate fewer proposals."
            )
        return Session.objects.bulk_create(sessions)

    def _units(self) -> dict[str, HandlingUnit]:
        """The units by name: those already there as they are, the others made."""
        units = HandlingUnit.objects.in_bulk([name for name, *_ in UNITS], field_name="name")
        missing = [
            HandlingUnit(name=name, doc_prefix=prefix, full_name=full or f"{CITY}{name}")
            for name, prefix, *full in UNITS
            if name not in units
        ]
        units |= {unit.name: unit for unit in HandlingUnit.objects.bulk_create(missing)}
        units = {name: units[name] for name, *_ in UNITS}  # in a fixed order, for the seed
        # A unit that was there without a prefix still numbers its demo letters.
        self.prefixes = {
            units[name].pk: units[name].doc_prefix or prefix for name, prefix, *_ in UNITS
        }
        self.self_names = {unit.pk: _self_name(unit.name) for unit in units.values()}
        self.title_endings = {
            unit.pk: REPLY_TITLE_ENDINGS[position % len(REPLY_TITLE_ENDINGS)]
            for position, unit in enumerate(units.values())
        }
        self.contacts = {unit.pk: [self._contact() for _ in range(3)] for unit in units.values()}
        return units

    def _categories(self) -> dict[str, Category]:
        names = [topic.category for topic in TOPICS]
        categories = Category.objects.in_bulk(names, field_name="name")
        missing = [Category(name=name) for name in names if name not in categories]
        return categories | {
            category.name: category for category in Category.objects.bulk_create(missing)
        }

    def _outcome_classes(self) -> tuple[list[OutcomeClass], list[float]]:
        """The default scheme's classes and how likely each is."""
        classes = list(OutcomeClass.objects.filter(scheme__is_default=True))
        if not classes:
            raise DemoDataRefused("There is no default outcome scheme with classes: migrate first.")
        groups = defaultdict(list)
        for outcome_class in classes:
            groups[outcome_class.group].append(outcome_class)
        weights = []
        for outcome_class in classes:
            group = groups[outcome_class.group]
            share = (1 / (group.index(outcome_class) + 1)) / sum(
                1 / rank for rank in range(1, len(group) + 1)
            )
            weights.append(GROUP_WEIGHTS.get(outcome_class.group, OTHER_GROUP_WEIGHT) * share)
        return classes, weights

    def _members(self) -> list[Proposer]:
        """Members for every term; a term keeps half of the members of the one before."""
        terms = len({session.term for session in self.sessions})
        self.term_size = min(2200, max(30, round(max(self.sizes) * 0.4)))
        count = self.term_size // 2 * (terms + 1)
        return Proposer.objects.bulk_create(
            [self._member(index) for index in range(count)], batch_size=BATCH_SIZE
        )

    def _bodies(self) -> list[Proposer]:
        bodies = [
            Proposer(
                kind=ProposerKind.BODY,
                name=name,
                contact_person=self._name(),
                address=self._address(),
                phone=self._phone(),
                email=f"body{index:03d}@{DEMO_EMAIL_DOMAIN}",
            )
            for index, name in enumerate(self.committee.bodies)
        ]
        return Proposer.objects.bulk_create(bodies)

    def _doc_sequences(self) -> Counter:
        """The last sequence number each unit used each year: demo letters go on from there."""
        used = (
            ReplyLetter.objects.filter(unit__in=self.units.values(), doc_sequence__isnull=False)
            .values_list("unit", "doc_year")
            .annotate(last=Max("doc_sequence"))
        )
        return Counter({(unit, year): last for unit, year, last in used})

    def _actions(self, topic: Topic) -> list[list[str]]:
        """Each action sentence for a topic, with FIGURE_VARIANTS sets of figures in it."""
        rng = self.rng
        return [
            [
                sentence.format(
                    field=topic.field,
                    money=f"{rng.uniform(0.3, 30):.1f}",
                    count=rng.randint(3, 260),
                    count2=rng.randint(3, 260),
                    percent=rng.randint(12, 98),
                    people=rng.randint(200, 12000),
                    money2=f"{rng.uniform(30, 90):.1f}",
                )
                for _ in range(FIGURE_VARIANTS)
            ]
            for sentence in ACTIONS
        ]

    # People

    def _name(self) -> str:
        rng = self.rng
        surname = SURNAMES[min(int(rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
        given = rng.choices(GIVEN_NAME_CHARACTERS, k=2 if rng.random() < 0.7 else 1)
        return surname + "".join(given)

    def _mobile(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randint(0, 999_999_999):09d}"

    def _phone(self) -> str:
        if self.rng.random() < 0.5:
            return f"0798-{self.rng.randint(8_000_000, 8_999_999)}"
        return self._mobile()

    def _address(self) -> str:
        rng = self.rng
        return f"{CITY}市{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randint(1, 300)}号"

    def _member(self, index: int) -> Proposer:
        return Proposer(
            name=self._name(),
            address=self._address(),
            phone=self._mobile(),
            email=f"m{index:05d}@{DEMO_EMAIL_DOMAIN}",
        )

    def _contact(self) -> tuple[str, str]:
        return self._name(), self._phone()

    # A session and its proposals

    def _session(self, index: int, session: Session) -> None:
        latest = index == len(self.sessions) - 1
        half_term = self.term_size // 2
        first_member = index // MEETINGS_PER_TERM * half_term
        plan = _SessionPlan(
            session=session,
            name=str(session),
            opening=date(session.year, 2, 20) + timedelta(days=self.rng.randint(0, 15)),
            members=self.members[first_member : first_member + self.term_size],
            online_share=0.1 + 0.5 * index / max(len(self.sessions) - 1, 1),
            unanswered_share=UNANSWERED_LATEST_SHARE if latest else UNANSWERED_SHARE,
        )
        for number in range(1, self.sizes[index] + 1):
            self._proposal(plan, number)
        rows = plan.rows
        self._number_letters(rows.replies)
        rows.insert()
        self.counts.update(
            proposals=len(rows.proposals),
            assignments=len(rows.assignments),
            replies=len(rows.replies),
            invitations=len(rows.invitations),
            forms=len(rows.forms),
        )
        if self.stdout:
            self.stdout.write(f"{plan.name} ({session.year}): {self.sizes[index]} proposals")

    def _proposal(self, plan: _SessionPlan, number: int) -> None:
        rng = self.rng
        topic = rng.choice(TOPICS)
        collective = rng.random() < COLLECTIVE_SHARE
        title, subject = self._title(topic)
        filed_on, plenary = self._filed_on(plan)
        proposal = _Planned(
            Proposal,
            session=plan.session,
            number=number,
            title=title,
            proposer=rng.choice(self.bodies if collective else plan.members),
            category=None
            if rng.random() < UNCATEGORISED_SHARE
            else self.categories[topic.category],
            filed_on=filed_on,
            body=self._proposal_body(topic, subject),
        )
        fate = rng.random()
        same_matter = plan.registered[topic.category]
        if fate < NOT_REGISTERED_SHARE:
            proposal.status = ProposalStatus.NOT_REGISTERED
            proposal.not_registered_reason = rng.choice(NOT_REGISTERED_REASONS)
            plan.rows.proposals.append(proposal)
        elif fate < NOT_REGISTERED_SHARE + MERGED_SHARE and same_matter:
            proposal.status = ProposalStatus.MERGED
            proposal.merged_into = rng.choice(same_matter[-20:])
            plan.rows.proposals.append(proposal)
        else:
            proposal.is_key = rng.random() < KEY_SHARE
            plan.rows.proposals.append(proposal)
            same_matter.append(proposal)
            if not collective and rng.random() < CO_SIGNED_SHARE:
                self._co_sign(plan, proposal)
            assigned_on = (
                plan.opening + timedelta(days=rng.randint(25, 45))
                if plenary
                else filed_on + timedelta(days=rng.randint(7, 21))
            )
            case = _Case(plan, proposal, topic, subject)
            self._assign(case, min(assigned_on, self.today))

    def _title(self, topic: Topic) -> tuple[str, str]:
        rng = self.rng
        low, high = TITLE_LENGTHS
        while True:
            subject, subject2 = rng.sample(topic.subjects, 2)
            template = rng.choices(list(TITLE_TEMPLATES), TITLE_TEMPLATES.values())[0]
            title = template.format(
                verb=rng.choice(VERBS),
                verb2=rng.choice(VERBS),
                subject=subject,
                subject2=subject2,
                goal=rng.choice(GOALS),
                place=self.committee.place,
            )
            if low <= len(title) <= high:
                return title, subject

    def _filed_on(self, plan: _SessionPlan) -> tuple[date, bool]:
        """When it was filed, and whether at the plenary meeting."""
        rng = self.rng
        if rng.random() < PLENARY_SHARE:
            return plan.opening + timedelta(days=rng.randint(-10, 4)), True
        filed_on = plan.opening + timedelta(days=rng.randint(20, 250))
        return min(filed_on, self.today - timedelta(days=3)), False

    def _proposal_body(self, topic: Topic, subject: str) -> str:
        rng = self.rng
        problems = rng.sample(PROBLEMS, rng.randint(2, 4))
        suggestions = rng.sample(SUGGESTIONS, rng.randint(3, 5))
        return "\n\n".join(
            [
                "一、基本情况",
                rng.choice(PROPOSAL_INTROS).format(subject=subject, field=topic.field),
                "二、存在的问题",
                "".join(SUB_ORDINALS[i] + problem for i, problem in enumerate(problems)),
                "三、几点建议",
                *(f"{SUB_ORDINALS[i]}建议{text}" for i, text in enumerate(suggestions)),
            ]
        )

    def _co_sign(self, plan: _SessionPlan, proposal: _Planned) -> None:
        through = Proposal.co_signers.through
        members = self.rng.sample(plan.members, min(self.rng.randint(1, 4), len(plan.members)))
        plan.rows.co_signatures += [
            _Planned(through, proposal=proposal, proposer=member)
            for member in members
            if member is not proposal.proposer
        ]

    # Assignments, replies, forms

    def _assign(self, case: _Case, assigned_on: date) -> None:
        """The proposal's assignments and what came of them; its status follows."""
        statuses = []
        for unit, role in self._assigned_units(case.topic):
            assignment = _Planned(
                Assignment,
                proposal=case.proposal,
                unit=unit,
                role=role,
                assigned_on=assigned_on,
                due_on=assignment_default_due_on(assigned_on),
            )
            case.plan.rows.assignments.append(assignment)
            if role == AssignmentRole.CO_HANDLING:
                self._opinion(case, assignment)
            else:
                case.lead = case.lead or assignment
                statuses.append(self._handling(case, assignment))
        case.proposal.status = _proposal_status(statuses)

    def _assigned_units(self, topic: Topic) -> list[tuple[HandlingUnit, str]]:
        """The lead unit (the topic's likeliest), then co-handling or separate units."""
        rng = self.rng
        count = rng.choices(list(ASSIGNMENT_COUNT_WEIGHTS), ASSIGNMENT_COUNT_WEIGHTS.values())[0]
        lead = topic.units[min(int(rng.expovariate(1 / 1.5)), len(topic.units) - 1)]
        others = [name for name in topic.units if name != lead]
        if rng.random() < 0.2:  # now and then a unit of another field
            others.append(rng.choice(UNITS)[0])
        names = dict.fromkeys([lead, *rng.sample(others, min(count - 1, len(others)))])
        role = (
            AssignmentRole.CO_HANDLING
            if rng.random() < CO_HANDLING_SHARE
            else AssignmentRole.SEPARATE
        )
        return [
            (self.units[name], role if position else AssignmentRole.LEAD)
            for position, name in enumerate(names)
        ]

    def _handling(self, case: _Case, assignment: _Planned) -> str:
        """The replies to a unit that answers the proposer, the forms that came back, and the
        proposal's status that leaves."""
        if self.rng.random() < case.plan.unanswered_share:
            return ProposalStatus.ASSIGNED
        first = self._reply(case, assignment, 1, assignment.assigned_on, assignment.due_on)
        if first is None:
            return ProposalStatus.ASSIGNED
        form = self._form(case, first, rehandled=False)
        if form is None or Rating.DISSATISFIED not in (form.attitude_rating, form.result_rating):
            return ProposalStatus.REPLIED
        # As services.rehandling_open_if_dissatisfied does on the day the form came in.
        assignment.rehandling_round = 2
        assignment.rehandling_due_on = form.signed_on + relativedelta(
            months=settings.REHANDLING_DUE_MONTHS
        )
        if self.rng.random() < REHANDLED_SHARE:
            second = self._reply(case, assignment, 2, form.signed_on, assignment.rehandling_due_on)
            if second is not None:
                self._form(case, second, rehandled=True)
                return ProposalStatus.REPLIED
        return ProposalStatus.REHANDLING

    def _reply_date(self, start: date, due: date) -> date | None:
        """When the letter went out, mostly by the due date; None while that is still ahead."""
        rng = self.rng
        days = (due - start).days
        if rng.random() < LATE_SHARE:
            signed_on = due + timedelta(days=rng.randint(1, 60))
        else:
            signed_on = start + timedelta(days=rng.randint(min(14, days), days))
        return signed_on if signed_on <= self.today else None

    def _reply(
        self, case: _Case, assignment: _Planned, round_: int, start: date, due: date
    ) -> _Planned | None:
        """A reply to the proposer, with the link to rate it; None if not sent by today."""
        signed_on = self._reply_date(start, due)
        if signed_on is None:
            return None
        rng = self.rng
        proposer = case.proposal.proposer
        unit = assignment.unit
        ending = self.title_endings[unit.pk] if round_ == 1 else REHANDLED_TITLE_ENDING
        disclosure = _weighted(rng, DISCLOSURE_WEIGHTS)
        contact_name, contact_phone = rng.choice(self.contacts[unit.pk])
        reply = _Planned(
            ReplyLetter,
            assignment=assignment,
            unit=unit,
            round=round_,
            outcome_class=rng.choices(self.outcome_classes, self.outcome_weights)[0],
            title=f"关于{case.plan.name}第{case.printed_number}号提案{ending}",
            addressee=(
                f"尊敬的{proposer.name}委员"
                if proposer.kind == ProposerKind.MEMBER
                else proposer.name
            ),
            proposal_title=case.proposal.title,
            body=self._letter_body(case, unit),
            signing_unit=unit.name,
            signed_on=signed_on,
            signer=self._name() if rng.random() < SIGNER_SHARE else "",
            copied_to=self.committee.copied_to,
            contact_name=contact_name,
            contact_phone=contact_phone,
            disclosure=disclosure,
            is_published=disclosure != Disclosure.WITHHELD and rng.random() < PUBLISHED_SHARE,
            created_at=self._moment(signed_on + timedelta(days=rng.randint(0, 5))),
        )
        case.plan.rows.replies.append(reply)
        case.plan.rows.invitations.append(
            _Planned(
                FormInvitation,
                reply=reply,
                rater=proposer,
                email=proposer.email,
                nonce=f"{rng.getrandbits(128):032x}",
                sent_at=reply.created_at,
                send_count=1,
                created_at=reply.created_at,
            )
        )
        return reply

    def _opinion(self, case: _Case, assignment: _Planned) -> None:
        """A co-handling unit's opinion (会办意见) to the lead unit: no class, no form."""
        rng = self.rng
        signed_on = assignment.assigned_on + timedelta(days=rng.randint(15, 60))
        if rng.random() >= OPINION_SHARE or signed_on > self.today:
            return
        unit = assignment.unit
        contact_name, contact_phone = rng.choice(self.contacts[unit.pk])
        length = self._length(OPINION_LENGTHS)
        opening = OPINION_OPENING.format(
            session=case.plan.name,
            number=case.printed_number,
            title=case.proposal.title,
            self=self.self_names[unit.pk],
        )
        case.plan.rows.replies.append(
            _Planned(
                ReplyLetter,
                assignment=assignment,
                unit=unit,
                title=f"关于{case.plan.name}第{case.printed_number}号提案{OPINION_TITLE_ENDING}",
                addressee=case.lead.unit.name,
                proposal_title=case.proposal.title,
                body=f"{opening}\n\n{self._points(case.topic, length - len(opening))}",
                signing_unit=unit.name,
                signed_on=signed_on,
                copied_to=self.committee.copied_to[:1],
                contact_name=contact_name,
                contact_phone=contact_phone,
                created_at=self._moment(signed_on),
            )
        )

    def _form(self, case: _Case, reply: _Planned, *, rehandled: bool) -> _Planned | None:
        """The first proposer's form, if it came back by today."""
        rng = self.rng
        signed_on = reply.signed_on + timedelta(days=rng.randint(5, 40))
        if rng.random() >= FORM_SHARE or signed_on > self.today:
            return None
        result = _weighted(rng, REHANDLED_RESULT_WEIGHTS if rehandled else RESULT_WEIGHTS)
        attitude = _weighted(rng, ATTITUDE_WEIGHTS[result])
        worst = max(result, attitude, key=list(Rating).index)
        proposer = case.proposal.proposer
        online = rng.random() < case.plan.online_share
        form = _Planned(
            SatisfactionForm,
            reply=reply,
            rater=proposer,
            attitude_rating=attitude,
            result_rating=result,
            comments=rng.choice(COMMENTS[worst]),
            signature_name=proposer.contact_person or proposer.name,
            signed_on=signed_on,
            proposal_title_on_form=self._title_on_form(reply.proposal_title),
            channel=FormChannel.ONLINE if online else FormChannel.PAPER,
            # An online form came through the member's link; a paper one was typed in later.
            invitation=case.plan.rows.invitations[-1] if online else None,
            entered_at=self._moment(
                signed_on + timedelta(days=0 if online else rng.randint(1, 10))
            ),
        )
        case.plan.rows.forms.append(form)
        return form

    def _title_on_form(self, title: str) -> str:
        if self.rng.random() >= TITLE_MISMATCH_SHARE:
            return title
        word = next((word for word in TITLE_VARIANTS if word in title), None)
        return title.replace(word, TITLE_VARIANTS[word], 1) if word else title

    def _number_letters(self, replies: list[_Planned]) -> None:
        """Document numbers in the order the letters were signed, per unit and year."""
        for reply in sorted(replies, key=lambda reply: reply.signed_on):
            year = reply.signed_on.year
            self.sequences[reply.unit.pk, year] += 1
            sequence = self.sequences[reply.unit.pk, year]
            reply.doc_year, reply.doc_sequence = year, sequence
            reply.doc_number = f"{self.prefixes[reply.unit.pk]}〔{year}〕{sequence}号"

    # Text

    def _letter_body(self, case: _Case, unit: HandlingUnit) -> str:
        rng = self.rng
        values = {
            "you": "您" if case.proposal.proposer.kind == ProposerKind.MEMBER else "您们",
            "title": case.proposal.title,
            "field": case.topic.field,
            "session": case.plan.name,
            "self": self.self_names[unit.pk],
            "subject": case.subject,
        }
        parts = [
            rng.choice(OPENINGS) + rng.choice(OPENING_FOLLOW_UPS),
            "".join(rng.sample(BACKGROUND, 2)),
            rng.choice(POINTS_INTRO),
            "{points}",
            "".join(rng.sample(SUBJECT_SENTENCES, rng.randint(1, 2))) + rng.choice(NEXT_STEPS),
            rng.choice(CLOSINGS),
        ]
        text = "\n\n".join(parts).format(**values, points="{points}")
        points = self._points(case.topic, self._length(REPLY_LENGTHS) - len(text))
        return text.replace("{points}", points)

    def _length(self, lengths: tuple[int, int, int]) -> int:
        low, high, mode = lengths
        return round(self.rng.triangular(low, high, mode))

    def _points(self, topic: Topic, target: int) -> str:
        """Three to seven numbered paragraphs (一是…二是…) of what was done, `target`
        characters long or a sentence more: the topic's sentences in one of a few fixed
        orders from a random one on, each once until all have been used (orders are drawn
        once: one a letter is slow)."""
        rng = self.rng
        actions = self.actions[topic.category]
        order, aspects = rng.choice(self.action_orders), rng.choice(self.aspect_orders)
        first, variant = rng.randrange(len(order)), rng.randrange(FIGURE_VARIANTS)
        count = rng.randint(3, 7)
        headings = [f"{ORDINALS[i]}是{aspect}。" for i, aspect in enumerate(aspects[:count])]
        sentences, length = [], sum(len(heading) + 2 for heading in headings)
        for k in itertools.count(first):
            if length >= target and len(sentences) >= 2 * count:
                break
            sentence = actions[order[k % len(order)]][(variant + k // len(order)) % FIGURE_VARIANTS]
            sentences.append(sentence)
            length += len(sentence)
        size = len(sentences) / count
        return "\n\n".join(
            heading + "".join(sentences[round(i * size) : round((i + 1) * size)])
            for i, heading in enumerate(headings)
        )

    def _moment(self, day: date) -> datetime:
        """A time in office hours on `day`, never later than now."""
        hour, minute = self.rng.randint(8, 17), self.rng.randint(0, 59)
        return min(datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone), self.now)


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights.values())[0]


def _proposal_status(statuses: list[str]) -> str:
    """As the services leave it: re-handling while a unit owes a second reply, replied once
    a unit has answered the proposer, else assigned."""
    for status in (ProposalStatus.REHANDLING, ProposalStatus.REPLIED):
        if status in statuses:
            return status
    return ProposalStatus.ASSIGNED


def _self_name(unit_name: str) -> str:
    """How a unit names itself in its letters: 市教育局 → 我局, 市卫生健康委员会 → 我委."""
    for ending, name in SELF_NAMES.items():
        if unit_name.endswith(ending):
            return name
    return "我单位"
