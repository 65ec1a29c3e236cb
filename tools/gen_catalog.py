#!/usr/bin/env python
"""Generate the catalog seed files in ledger/catalog/seed/ (deterministic, fixed seed).

    .venv/bin/python tools/gen_catalog.py [--out DIR] [--check]

Writes authorities.json, types.json and matters.json: 160 licence types, the authorities that
define and issue them (with issuer grants) and the matters of a district service centre with
their licence lists. Everything is synthetic except the four real type codes and their two
defining authorities (ledger/catalog/schema.py REAL_TYPE_CODES). Re-running produces
byte-identical files; `--check` exits 1 if the files on disk differ from what it would write.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ledger.catalog.schema import REAL_TYPE_CODES, SYNTHETIC_NOTE  # noqa: E402
from ledger.identifiers import USCC_ALPHABET, check_uscc, uscc_check_char  # noqa: E402

SEED = 110115  # Daxing's region code: the fixed seed
OUT = ROOT / "ledger" / "catalog" / "seed"
NATIONAL, BEIJING, DAXING = "100000", "110000", "110115"

# ----- authorities ------------------------------------------------------------------------
# key: (name, level, USCC category prefix, region). "11" organ, "12" public institution,
# "13" mass organisation. Real USCCs are in REAL_USCC; the rest are generated.

AUTHORITIES: dict[str, tuple[str, str, str, str]] = {
    # national defining (and a few issuing) authorities
    "MPS": ("中华人民共和国公安部", "national", "11", NATIONAL),
    "MCA": ("中华人民共和国民政部", "national", "11", NATIONAL),
    "NHC": ("中华人民共和国国家卫生健康委员会", "national", "11", NATIONAL),
    "MOHRSS": ("中华人民共和国人力资源和社会保障部", "national", "11", NATIONAL),
    "MOHURD": ("中华人民共和国住房和城乡建设部", "national", "11", NATIONAL),
    "MNR": ("中华人民共和国自然资源部", "national", "11", NATIONAL),
    "MOT": ("中华人民共和国交通运输部", "national", "11", NATIONAL),
    "MEE": ("中华人民共和国生态环境部", "national", "11", NATIONAL),
    "MCT": ("中华人民共和国文化和旅游部", "national", "11", NATIONAL),
    "MEM": ("中华人民共和国应急管理部", "national", "11", NATIONAL),
    "MOE": ("中华人民共和国教育部", "national", "11", NATIONAL),
    "MOJ": ("中华人民共和国司法部", "national", "11", NATIONAL),
    "MVA": ("中华人民共和国退役军人事务部", "national", "11", NATIONAL),
    "CDPF": ("中国残疾人联合会", "national", "13", NATIONAL),
    "STMA": ("国家烟草专卖局", "national", "11", NATIONAL),
    "NIA": ("国家移民管理局", "national", "11", NATIONAL),
    "SAMR": ("国家市场监督管理总局", "national", "11", NATIONAL),
    "NMPA": ("国家药品监督管理局", "national", "11", NATIONAL),
    "MARA": ("中华人民共和国农业农村部", "national", "11", NATIONAL),
    "MWR": ("中华人民共和国水利部", "national", "11", NATIONAL),
    "NHSA": ("国家医疗保障局", "national", "11", NATIONAL),
    "STA": ("国家税务总局", "national", "11", NATIONAL),
    "CNIPA": ("国家知识产权局", "national", "11", NATIONAL),
    "MOFCOM": ("中华人民共和国商务部", "national", "11", NATIONAL),
    "MOST": ("中华人民共和国科学技术部", "national", "11", NATIONAL),
    "GAS": ("国家体育总局", "national", "11", NATIONAL),
    "SPB": ("国家邮政局", "national", "11", NATIONAL),
    "NPPA": ("国家新闻出版署", "national", "11", NATIONAL),
    # Beijing municipal authorities (Beijing is a provincial-level municipality)
    "BJ_GA": ("北京市公安局", "provincial", "11", BEIJING),
    "BJ_JG": ("北京市公安局公安交通管理局", "provincial", "11", BEIJING),
    "BJ_MZ": ("北京市民政局", "provincial", "11", BEIJING),
    "BJ_WJ": ("北京市卫生健康委员会", "provincial", "11", BEIJING),
    "BJ_RS": ("北京市人力资源和社会保障局", "provincial", "11", BEIJING),
    "BJ_ZJ": ("北京市住房和城乡建设委员会", "provincial", "11", BEIJING),
    "BJ_GZ": ("北京市规划和自然资源委员会", "provincial", "11", BEIJING),
    "BJ_JT": ("北京市交通委员会", "provincial", "11", BEIJING),
    "BJ_HB": ("北京市生态环境局", "provincial", "11", BEIJING),
    "BJ_WL": ("北京市文化和旅游局", "provincial", "11", BEIJING),
    "BJ_JW": ("北京市教育委员会", "provincial", "11", BEIJING),
    "BJ_SF": ("北京市司法局", "provincial", "11", BEIJING),
    "BJ_SJ": ("北京市市场监督管理局", "provincial", "11", BEIJING),
    "BJ_YJ": ("北京市药品监督管理局", "provincial", "11", BEIJING),
    "BJ_YJGL": ("北京市应急管理局", "provincial", "11", BEIJING),
    "BJ_CG": ("北京市城市管理委员会", "provincial", "11", BEIJING),
    "BJ_SW": ("北京市水务局", "provincial", "11", BEIJING),
    "BJ_KW": ("北京市科学技术委员会、中关村科技园区管理委员会", "provincial", "11", BEIJING),
    "BJ_SWJ": ("北京市商务局", "provincial", "11", BEIJING),
    "BJ_YZ": ("北京市邮政管理局", "provincial", "11", BEIJING),
    "BJ_GJJ": ("北京住房公积金管理中心", "provincial", "12", BEIJING),
    # Daxing district issuing authorities
    "DX_GA": ("北京市公安局大兴分局", "district", "11", DAXING),
    "DX_JG": ("北京市公安局公安交通管理局大兴交通支队", "district", "11", DAXING),
    "DX_MZ": ("北京市大兴区民政局", "district", "11", DAXING),
    "DX_WJ": ("北京市大兴区卫生健康委员会", "district", "11", DAXING),
    "DX_RS": ("北京市大兴区人力资源和社会保障局", "district", "11", DAXING),
    "DX_ZJ": ("北京市大兴区住房和城乡建设委员会", "district", "11", DAXING),
    "DX_GZ": ("北京市规划和自然资源委员会大兴分局", "district", "11", DAXING),
    "DX_JT": ("北京市大兴区交通局", "district", "11", DAXING),
    "DX_HB": ("北京市大兴区生态环境局", "district", "11", DAXING),
    "DX_WL": ("北京市大兴区文化和旅游局", "district", "11", DAXING),
    "DX_YJ": ("北京市大兴区应急管理局", "district", "11", DAXING),
    "DX_JY": ("北京市大兴区教育委员会", "district", "11", DAXING),
    "DX_SF": ("北京市大兴区司法局", "district", "11", DAXING),
    "DX_TY": ("北京市大兴区退役军人事务局", "district", "11", DAXING),
    "DX_CL": ("北京市大兴区残疾人联合会", "district", "13", DAXING),
    "DX_YC": ("北京市烟草专卖局大兴分局", "district", "11", DAXING),
    "DX_SJ": ("北京市大兴区市场监督管理局", "district", "11", DAXING),
    "DX_CG": ("北京市大兴区城市管理委员会", "district", "11", DAXING),
    "DX_SW": ("北京市大兴区水务局", "district", "11", DAXING),
    "DX_NY": ("北京市大兴区农业农村局", "district", "11", DAXING),
    "DX_XF": ("北京市大兴区消防救援支队", "district", "11", DAXING),
    "DX_YB": ("北京市大兴区医疗保障局", "district", "11", DAXING),
    "DX_SWJ": ("国家税务总局北京市大兴区税务局", "district", "11", DAXING),
    "DX_GJJ": ("北京住房公积金管理中心大兴管理部", "district", "12", DAXING),
    "DX_SWU": ("北京市大兴区商务局", "district", "11", DAXING),
    "DX_TYJ": ("北京市大兴区体育局", "district", "11", DAXING),
}
REAL_USCC = {"MOHURD": "11100000000013338W", "MNR": "11100000MB03271699"}

# ----- face fields --------------------------------------------------------------------------
# key -> (label, type, enum values). Field name is "KZ_" + key.

S, D, N = "string", "date", "number"
FIELDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # persons
    "XB": ("性别", "enum", ("男", "女")),
    "MZ": ("民族", S, ()),
    "CSRQ": ("出生日期", D, ()),
    "ZZ": ("住址", S, ()),
    "HJDZ": ("户籍地址", S, ()),
    "JZDZ": ("居住地址", S, ()),
    "CSD": ("出生地点", S, ()),
    "GJ": ("国籍", S, ()),
    "YWXM": ("姓名拼音", S, ()),
    "QFD": ("签发地点", S, ()),
    "HH": ("户号", S, ()),
    "HZXM": ("户主姓名", S, ()),
    "YHZGX": ("与户主关系", "enum", ("户主", "配偶", "子", "女", "父母", "其他")),
    "ZMYT": ("证明用途", S, ()),
    "CXSD": ("查询时段", S, ()),
    "JZQX": ("居住期限", S, ()),
    "GXRXM": ("关系人姓名", S, ()),
    "QSGX": ("亲属关系", "enum", ("配偶", "父母", "子女", "兄弟姐妹", "祖孙", "其他")),
    "QCD": ("迁出地", S, ()),
    "QWD": ("迁往地", S, ()),
    "QYYY": ("迁移原因", "enum", ("投靠", "就业", "婚姻", "购房", "入学", "其他")),
    "QZPZ": ("犬只品种", S, ()),
    "QZMS": ("犬只毛色", S, ()),
    "QZXB": ("犬只性别", "enum", ("公", "母")),
    "YQDZ": ("养犬地址", S, ()),
    "MYRQ": ("免疫日期", D, ()),
    "ZJCX": (
        "准驾车型",
        "enum",
        ("A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "D", "E", "F", "M", "N", "P"),
    ),
    "CCLZRQ": ("初次领证日期", D, ()),
    "HPHM": ("号牌号码", S, ()),
    "CLLX": (
        "车辆类型",
        "enum",
        ("小型普通客车", "小型轿车", "轻型普通货车", "重型半挂牵引车", "大型普通客车", "其他"),
    ),
    "SYXZ": ("使用性质", "enum", ("非营运", "营运", "预约出租客运", "货运")),
    "PPXH": ("品牌型号", S, ()),
    "CLSBDH": ("车辆识别代号", S, ()),
    "FDJH": ("发动机号码", S, ()),
    "ZCRQ": ("注册日期", D, ()),
    "ZCBM": ("整车编码", S, ()),
    "DJRQ": ("登记日期", D, ()),
    "NFXM": ("男方姓名", S, ()),
    "NVFXM": ("女方姓名", S, ()),
    "BZ": ("备注", S, ()),
    "SYRXM": ("收养人姓名", S, ()),
    "BSYRXM": ("被收养人姓名", S, ()),
    "BSYRCSRQ": ("被收养人出生日期", D, ()),
    "JTRKS": ("家庭人口数", N, ()),
    "BZJE": ("保障金额（元/月）", N, ()),
    "GYXS": ("供养形式", "enum", ("集中供养", "分散供养")),
    "HYZK": ("婚姻状况", "enum", ("未婚", "已婚", "离婚", "丧偶")),
    "SZXM": ("逝者姓名", S, ()),
    "SWRQ": ("死亡日期", D, ()),
    "HHRQ": ("火化日期", D, ()),
    "XSEXM": ("新生儿姓名", S, ()),
    "CSYZ": ("出生孕周", N, ()),
    "CSTZ": ("出生体重（克）", N, ()),
    "MQXM": ("母亲姓名", S, ()),
    "FQXM": ("父亲姓名", S, ()),
    "ZYLB": ("执业类别", "enum", ("临床", "中医", "口腔", "公共卫生")),
    "ZYFW": ("执业范围", S, ()),
    "ZYDD": ("执业地点", S, ()),
    "ZGZSBH": ("资格证书编号", S, ()),
    "ZNXM": ("子女姓名", S, ()),
    "ZNCSRQ": ("子女出生日期", D, ()),
    "JHRXM": ("监护人姓名", S, ()),
    "YCQ": ("预产期", D, ()),
    "JDRQ": ("建档日期", D, ()),
    "JDJG": ("建档机构", S, ()),
    "SWYY": ("死亡原因", S, ()),
    "TJRQ": ("体检日期", D, ()),
    "TJJG": ("体检机构", S, ()),
    "CYLB": ("从业类别", "enum", ("食品", "公共场所", "化妆品", "生活饮用水", "其他")),
    "ZGJB": ("资格级别", "enum", ("执业医师", "执业助理医师")),
    "JCRQ": ("检查日期", D, ()),
    "JCJG": ("检查机构", S, ()),
    "YXYJ": ("医学意见", S, ()),
    "XXRQ": ("献血日期", D, ()),
    "XXL": ("献血量（毫升）", N, ()),
    "XXLX": ("献血类型", "enum", ("全血", "成分血")),
    "HC": ("孩次", N, ()),
    "YSLB": ("执业类别", "enum", ("药学", "中药学", "药学与中药学")),
    "YSFW": ("执业范围", "enum", ("药品生产", "药品经营", "药品使用")),
    "KH": ("卡号", S, ()),
    "FKYH": ("发卡银行", S, ()),
    "ZYMC": ("职业（工种）名称", S, ()),
    "ZYDJ": ("等级", "enum", ("五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师")),
    "PJJG": ("评价机构", S, ()),
    "JYZT": ("就业状态", "enum", ("就业", "失业", "自主创业")),
    "ZCJB": ("职称级别", "enum", ("初级", "中级", "副高级", "正高级")),
    "ZCMC": ("资格名称", S, ()),
    "PSRQ": ("评审通过日期", D, ()),
    "GZDW": ("工作单位", S, ()),
    "TXRQ": ("退休日期", D, ()),
    "CBZT": ("参保状态", "enum", ("正常参保", "暂停参保", "终止参保")),
    "CBXZ": ("参保险种", S, ()),
    "LJJFYS": ("累计缴费月数", N, ()),
    "DAGLJG": ("档案管理机构", S, ()),
    "CDRQ": ("存档日期", D, ()),
    "RCLB": ("人才类别", "enum", ("A类", "B类", "C类")),
    "CBLX": ("参保类型", "enum", ("职工医保", "城乡居民医保")),
    "CBDQ": ("参保地区", S, ()),
    "JCZT": ("缴存状态", "enum", ("正常", "封存", "销户")),
    "YJCE": ("月缴存额（元）", N, ()),
    "SSQJ": ("所属期间", S, ()),
    "SE": ("税额（元）", N, ()),
    "TZZYLB": (
        "作业类别",
        "enum",
        ("电工作业", "焊接与热切割作业", "高处作业", "制冷与空调作业", "危险化学品安全作业"),
    ),
    "RYLX": ("人员类型", "enum", ("主要负责人", "安全生产管理人员")),
    "HYLB": ("行业类别", S, ()),
    "JSZG": ("资格种类", "enum", ("幼儿园", "小学", "初级中学", "高级中学", "中等职业学校", "高等学校")),
    "RJXK": ("任教学科", S, ()),
    "XXMC": ("学校名称", S, ()),
    "SXZY": ("所学专业", S, ()),
    "XZ": ("学制（年）", N, ()),
    "BYRQ": ("毕业日期", D, ()),
    "XWJB": ("学位级别", "enum", ("学士", "硕士", "博士")),
    "XKML": ("学科门类", S, ()),
    "XWSYDW": ("学位授予单位", S, ()),
    "SYRQ": ("授予日期", D, ()),
    "CSDJ": ("测试等级", "enum", ("一级甲等", "一级乙等", "二级甲等", "二级乙等", "三级甲等", "三级乙等")),
    "CSCJ": ("测试成绩", N, ()),
    "ZGLB": ("资格类别", "enum", ("A", "B", "C")),
    "ZYJG": ("执业机构", S, ()),
    "LSLB": ("执业类别", "enum", ("专职", "兼职", "公职", "公司")),
    "YDZLB": ("优待证类别", "enum", ("退役军人", "烈士遗属", "因公牺牲军人遗属", "病故军人遗属")),
    "RWRQ": ("入伍日期", D, ()),
    "TWRQ": ("退役日期", D, ()),
    "SCDJ": (
        "伤残等级",
        "enum",
        ("一级", "二级", "三级", "四级", "五级", "六级", "七级", "八级", "九级", "十级"),
    ),
    "SCXZ": ("伤残性质", "enum", ("因战", "因公", "因病")),
    "LSXM": ("烈士姓名", S, ()),
    "XSRQ": ("牺牲日期", D, ()),
    "PZJG": ("批准机关", S, ()),
    "CJLB": ("残疾类别", "enum", ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")),
    "CJDJ": ("残疾等级", "enum", ("一级", "二级", "三级", "四级")),
    "ZCZY": (
        "注册专业",
        "enum",
        ("建筑工程", "市政公用工程", "机电工程", "公路工程", "水利水电工程", "矿业工程"),
    ),
    "PRDW": ("聘用单位", S, ()),
    "ZCBH": ("注册编号", S, ()),
    "CZLB": (
        "操作类别",
        "enum",
        (
            "建筑电工",
            "建筑架子工",
            "建筑起重信号司索工",
            "建筑起重机械司机",
            "建筑起重机械安装拆卸工",
            "高处作业吊篮安装拆卸工",
        ),
    ),
    "AQRYLB": ("人员类别", "enum", ("A", "B", "C1", "C2", "C3")),
    "FWZL": ("房屋坐落", S, ()),
    "CZR": ("出租人", S, ()),
    "CZREN": ("承租人", S, ()),
    "ZLQX": ("租赁期限", S, ()),
    "MJ": ("面积（平方米）", N, ()),
    "QLR": ("权利人", S, ()),
    "GYQK": ("共有情况", "enum", ("单独所有", "共同共有", "按份共有")),
    "ZL": ("坐落", S, ()),
    "BDCDYH": ("不动产单元号", S, ()),
    "QLLX": (
        "权利类型",
        "enum",
        ("国有建设用地使用权/房屋所有权", "宅基地使用权/房屋所有权", "集体建设用地使用权", "土地承包经营权"),
    ),
    "QLXZ": ("权利性质", "enum", ("出让", "划拨", "市场化商品房", "自建房", "其他")),
    "YT": ("用途", "enum", ("住宅", "商业", "办公", "工业", "其他")),
    "ZMQLHSX": ("证明权利或事项", "enum", ("抵押权", "预告登记", "地役权", "异议登记", "查封登记")),
    "YWR": ("义务人", S, ()),
    "QTQK": ("其他", S, ()),
    "CXR": ("查询人", S, ()),
    "CXJG": ("查询结果", S, ()),
    "CXRQ": ("查询日期", D, ()),
    "ZDMJ": ("宅基地面积（平方米）", N, ()),
    "SZC": ("所在村", S, ()),
    "PZRQ": ("批准日期", D, ()),
    "CBFDB": ("承包方代表", S, ()),
    "CBMJ": ("承包面积（亩）", N, ()),
    "CBQX": ("承包期限", S, ()),
    "NJZJJX": ("准驾机型", "enum", ("G1", "G2", "K", "H", "L")),
    "YZ": ("语种", S, ()),
    "DYDJ": ("导游等级", "enum", ("初级", "中级", "高级", "特级")),
    "CYZGLB": (
        "从业资格类别",
        "enum",
        ("道路旅客运输驾驶员", "道路货物运输驾驶员", "危险货物道路运输驾驶员", "巡游出租汽车驾驶员"),
    ),
    "ZYXM": (
        "作业项目",
        "enum",
        ("A 特种设备安全管理", "G1 工业锅炉司炉", "T 电梯修理", "Q1 起重机指挥", "N1 叉车司机"),
    ),
    # organisations
    "FDDBR": ("法定代表人", S, ()),
    "FZR": ("负责人", S, ()),
    "JYZ": ("经营者", S, ()),
    "ZS": ("住所", S, ()),
    "JYCS": ("经营场所", S, ()),
    "JYFW": ("经营范围", S, ()),
    "ZCZB": ("注册资本（万元）", N, ()),
    "CLRQ": ("成立日期", D, ()),
    "ZTLX": (
        "主体类型",
        "enum",
        ("有限责任公司", "股份有限公司", "个人独资企业", "合伙企业", "农民专业合作社", "分公司"),
    ),
    "ZCXS": ("组成形式", "enum", ("个人经营", "家庭经营")),
    "ZTYT": ("主体业态", "enum", ("食品销售经营者", "餐饮服务经营者", "单位食堂")),
    "JYXM": ("经营项目", S, ()),
    "SCDZ": ("生产地址", S, ()),
    "SPLB": ("食品类别", S, ()),
    "CPMC": ("产品名称", S, ()),
    "JCNL": ("检验检测能力", S, ()),
    "XKXM": ("许可项目", S, ()),
    "XKFW": ("许可范围", S, ()),
    "QYFZR": ("企业负责人", S, ()),
    "ZLFZR": ("质量负责人", S, ()),
    "CKDZ": ("仓库地址", S, ()),
    "JYFS": ("经营方式", "enum", ("批发", "零售", "零售连锁", "批零兼营")),
    "SCFW": ("生产范围", S, ()),
    "SBZL": (
        "设备种类",
        "enum",
        ("锅炉", "压力容器", "电梯", "起重机械", "场（厂）内专用机动车辆", "大型游乐设施"),
    ),
    "SBDM": ("设备代码", S, ()),
    "SBDZ": ("设备使用地点", S, ()),
    "JGLB": ("机构类别", "enum", ("综合医院", "专科医院", "社区卫生服务中心", "门诊部", "诊所", "村卫生室")),
    "ZLKM": ("诊疗科目", S, ()),
    "CWS": ("床位数", N, ()),
    "JJXZ": ("所有制形式", "enum", ("全民", "集体", "私营", "其他")),
    "GSFS": ("供水方式", "enum", ("集中式供水", "二次供水", "分质供水")),
    "XMMC": ("项目名称", S, ()),
    "JSDZ": ("建设地址", S, ()),
    "JSGM": ("建设规模（平方米）", N, ()),
    "HTJG": ("合同价格（万元）", N, ()),
    "SGDW": ("施工单位", S, ()),
    "JLDW": ("监理单位", S, ()),
    "HTGQ": ("合同工期", S, ()),
    "ZZLB": ("资质类别及等级", S, ()),
    "ZZDJ": ("资质等级", "enum", ("一级", "二级")),
    "YSMJ": ("预售面积（平方米）", N, ()),
    "YSFWSM": ("预售范围", S, ()),
    "YSJL": ("验收结论", "enum", ("合格", "不合格")),
    "YDMJ": ("用地面积（平方米）", N, ()),
    "YDXZ": ("用地性质", S, ()),
    "CHZZDJ": ("资质等级", "enum", ("甲级", "乙级")),
    "CHZYFW": ("专业范围", S, ()),
    "DWZW": ("吨（座）位", N, ()),
    "WXLB": ("维修类别", "enum", ("一类", "二类", "三类")),
    "ZYWRWLB": ("主要污染物类别", "enum", ("废气", "废水", "废气、废水")),
    "HPLB": ("环评类别", "enum", ("报告书", "报告表")),
    "ZLHFW": ("种类和范围", S, ()),
    "WFJYFS": ("经营方式", "enum", ("收集", "贮存", "利用", "处置")),
    "FWLB": ("废物类别", S, ()),
    "JSJTS": ("计算机台数", N, ()),
    "DBDJ": ("达标等级", "enum", ("一级", "二级", "三级")),
    "CSMC": ("场所名称", S, ()),
    "JZMJ": ("建筑面积（平方米）", N, ()),
    "CSYT": ("场所用途", S, ()),
    "QYLX": ("企业类型", "enum", ("个体工商户", "有限责任公司", "个人独资企业", "其他")),
    "SZDD": ("设置地点", S, ()),
    "GGGG": ("广告规格", S, ()),
    "RQJYLB": ("经营类别", "enum", ("管道燃气", "瓶装液化石油气", "压缩天然气", "液化天然气")),
    "JYQY": ("经营区域", S, ()),
    "QSDD": ("取水地点", S, ()),
    "QSL": ("年取水量（万立方米）", N, ()),
    "QSYT": ("取水用途", "enum", ("生活", "工业", "农业", "其他")),
    "SYLX": ("水源类型", "enum", ("地表水", "地下水")),
    "PSHLX": ("排水户类型", S, ()),
    "PSL": ("排水量（立方米/日）", N, ()),
    "DWZL": ("动物种类", S, ()),
    "SCJYZL": ("生产经营种类", S, ()),
    "YWZGDW": ("业务主管单位", S, ()),
    "YWFW": ("业务范围", S, ()),
    "HDDY": ("活动地域", S, ()),
    "FWNR": ("服务内容", S, ()),
    "PXXM": ("培训项目", S, ()),
    "XXLB": ("学校类型", "enum", ("幼儿园", "小学", "初中", "高中", "中等职业学校")),
    "BXNR": ("办学内容", S, ()),
    "YZMC": ("印章名称", S, ()),
    "YZSL": ("印章数量", N, ()),
    "KZDW": ("刻制单位", S, ()),
    "FJS": ("房间数", N, ()),
    "FWFW": ("服务范围", S, ()),
    "HDMC": ("活动名称", S, ()),
    "HDDD": ("活动地点", S, ()),
    "HDRQ": ("活动日期", D, ()),
    "YJRS": ("预计人数", N, ()),
    "JSLY": ("技术领域", S, ()),
    "JYZLX": ("经营者类型", S, ()),
    "YGRL": ("油罐容量（立方米）", N, ()),
    "TYXM": ("体育项目", "enum", ("游泳", "攀岩", "潜水", "滑雪")),
    "JYDY": ("经营地域", S, ()),
    "ZLMC": ("专利名称", S, ()),
    "ZLLX": ("专利类型", "enum", ("发明", "实用新型", "外观设计")),
    "ZLH": ("专利号", S, ()),
    "SQRQ": ("申请日", D, ()),
    "SQGGR": ("授权公告日", D, ()),
    "SBMC": ("商标名称", S, ()),
    "SBZCH": ("注册号", S, ()),
    "HDSP": ("核定使用商品/服务", S, ()),
    "SBLB": ("类别", N, ()),
}

# ----- licence types --------------------------------------------------------------------------
# (name, department, defining authority, holder P/O, validity, face fields, issuers[, sensitive])
# A field key ending in "?" is optional on the face. Order fixes each authority's sequence
# numbers. The four real types carry their real codes (REAL_TYPE_CODES).

PER, ORG = "person", "organisation"
LT, Y1, Y2, Y3, Y4, Y5, Y6, Y8, Y10, Y20 = (
    "long-term",
    "years:1",
    "years:2",
    "years:3",
    "years:4",
    "years:5",
    "years:6",
    "years:8",
    "years:10",
    "years:20",
)
SENSITIVE = True

TYPES: list[tuple[Any, ...]] = [
    # --- persons: 公安 / 交管 / 出入境
    ("居民身份证", "公安", "MPS", PER, Y10, "XB MZ CSRQ ZZ", "DX_GA"),
    ("居民户口簿", "公安", "MPS", PER, LT, "HH HZXM YHZGX XB CSRQ HJDZ", "DX_GA"),
    ("北京市居住证", "公安", "BJ_GA", PER, Y1, "XB CSRQ JZDZ HJDZ", "DX_GA"),
    ("犬只登记证", "公安", "BJ_GA", PER, Y1, "QZPZ QZMS QZXB YQDZ MYRQ", "DX_GA"),
    ("无犯罪记录证明", "公安", "MPS", PER, LT, "XB CSRQ CXSD ZMYT", "DX_GA", SENSITIVE),
    ("居住证明", "公安", "MPS", PER, LT, "XB CSRQ JZDZ JZQX ZMYT", "DX_GA"),
    ("户籍证明", "公安", "MPS", PER, LT, "XB CSRQ HJDZ ZMYT", "DX_GA"),
    ("亲属关系证明", "公安", "MPS", PER, LT, "GXRXM QSGX ZMYT", "DX_GA"),
    ("临时居民身份证", "公安", "MPS", PER, Y1, "XB MZ CSRQ ZZ", "DX_GA"),
    ("户口迁移证", "公安", "MPS", PER, Y1, "XB CSRQ QCD QWD QYYY", "DX_GA"),
    ("保安员证", "公安", "MPS", PER, LT, "XB CSRQ ZZ", "DX_GA"),
    ("机动车驾驶证", "交管", "MPS", PER, Y6, "XB GJ CSRQ ZZ CCLZRQ ZJCX", "DX_JG"),
    ("机动车行驶证", "交管", "MPS", PER, LT, "HPHM CLLX SYXZ PPXH CLSBDH FDJH ZCRQ", "DX_JG"),
    ("机动车登记证书", "交管", "MPS", PER, LT, "HPHM CLLX PPXH CLSBDH FDJH ZCRQ", "DX_JG"),
    ("电动自行车登记证", "交管", "BJ_JG", PER, LT, "HPHM PPXH ZCBM DJRQ", "DX_JG"),
    ("护照", "出入境", "NIA", PER, Y10, "XB CSRQ CSD YWXM GJ QFD", "NIA"),
    ("往来港澳通行证", "出入境", "NIA", PER, Y10, "XB CSRQ YWXM QFD", "NIA"),
    ("往来台湾通行证", "出入境", "NIA", PER, Y10, "XB CSRQ YWXM QFD", "NIA"),
    ("外国人永久居留身份证", "出入境", "NIA", PER, Y10, "XB CSRQ GJ YWXM", "NIA"),
    # --- persons: 民政
    ("结婚证", "民政", "MCA", PER, LT, "DJRQ NFXM NVFXM BZ?", "DX_MZ"),
    ("离婚证", "民政", "MCA", PER, LT, "DJRQ NFXM NVFXM BZ?", "DX_MZ"),
    ("收养登记证", "民政", "MCA", PER, LT, "SYRXM BSYRXM BSYRCSRQ DJRQ", "DX_MZ", SENSITIVE),
    ("老年人优待证", "民政", "BJ_MZ", PER, LT, "XB CSRQ JZDZ", "DX_MZ"),
    ("最低生活保障证", "民政", "BJ_MZ", PER, Y1, "JTRKS BZJE JZDZ", "DX_MZ", SENSITIVE),
    ("特困人员救助供养证", "民政", "BJ_MZ", PER, Y1, "GYXS BZJE JZDZ", "DX_MZ", SENSITIVE),
    ("婚姻登记记录证明", "民政", "MCA", PER, LT, "XB CSRQ HYZK ZMYT", "DX_MZ"),
    ("火化证明", "民政", "MCA", PER, LT, "SZXM SWRQ HHRQ", "DX_MZ"),
    # --- persons: 卫健 / 药监 / 医保
    ("出生医学证明", "卫健", "NHC", PER, LT, "XSEXM XB CSRQ CSD CSYZ CSTZ MQXM FQXM", "DX_WJ", SENSITIVE),
    ("医师执业证书", "卫健", "NHC", PER, LT, "XB CSRQ ZYLB ZYFW ZYDD ZGZSBH", "DX_WJ BJ_WJ"),
    ("护士执业证书", "卫健", "NHC", PER, Y5, "XB CSRQ ZYDD ZCRQ", "DX_WJ"),
    ("独生子女父母光荣证", "卫健", "NHC", PER, LT, "FQXM MQXM ZNXM ZNCSRQ", "DX_WJ"),
    ("预防接种证", "卫健", "NHC", PER, LT, "XB CSRQ JHRXM JZDZ", "DX_WJ", SENSITIVE),
    ("母子健康手册", "卫健", "NHC", PER, LT, "MQXM YCQ JDRQ JDJG", "DX_WJ", SENSITIVE),
    ("居民死亡医学证明（推断）书", "卫健", "NHC", PER, LT, "SZXM XB CSRQ SWRQ SWYY", "DX_WJ", SENSITIVE),
    ("健康证明", "卫健", "NHC", PER, Y1, "XB CSRQ TJRQ TJJG CYLB", "DX_WJ", SENSITIVE),
    ("乡村医生执业证书", "卫健", "NHC", PER, Y5, "XB CSRQ ZYDD", "DX_WJ"),
    ("医师资格证书", "卫健", "NHC", PER, LT, "XB CSRQ ZGJB ZYLB", "NHC"),
    ("婚前医学检查证明", "卫健", "NHC", PER, LT, "XB CSRQ JCRQ JCJG YXYJ", "DX_WJ", SENSITIVE),
    ("无偿献血证", "卫健", "NHC", PER, LT, "XB CSRQ XXRQ XXL XXLX", "BJ_WJ", SENSITIVE),
    ("生育登记服务单", "卫健", "NHC", PER, LT, "FQXM MQXM DJRQ HC", "DX_WJ", SENSITIVE),
    ("执业药师注册证", "药监", "NMPA", PER, Y5, "XB YSLB YSFW ZYDD", "BJ_YJ"),
    ("医疗保险参保凭证", "医保", "NHSA", PER, LT, "XB CSRQ CBLX CBDQ CBZT", "DX_YB"),
    # --- persons: 人社 / 科技 / 公积金 / 税务 / 应急
    ("社会保障卡", "人社", "MOHRSS", PER, Y10, "XB MZ CSRQ KH FKYH", "DX_RS"),
    ("职业资格证书", "人社", "MOHRSS", PER, LT, "XB CSRQ ZYMC ZYDJ", "DX_RS"),
    ("职业技能等级证书", "人社", "MOHRSS", PER, LT, "XB CSRQ ZYMC ZYDJ PJJG", "DX_RS"),
    ("就业创业证", "人社", "MOHRSS", PER, LT, "XB CSRQ HJDZ JYZT", "DX_RS"),
    ("专业技术资格证书", "人社", "MOHRSS", PER, LT, "XB CSRQ ZCJB ZCMC PSRQ", "BJ_RS DX_RS"),
    ("北京市工作居住证", "人社", "BJ_RS", PER, Y3, "XB CSRQ GZDW HJDZ", "BJ_RS"),
    ("退休证", "人社", "MOHRSS", PER, LT, "XB CSRQ TXRQ GZDW", "DX_RS"),
    ("社会保险个人权益记录", "人社", "MOHRSS", PER, LT, "CBXZ CBZT LJJFYS", "DX_RS"),
    ("流动人员人事档案存档证明", "人社", "MOHRSS", PER, LT, "XB CSRQ DAGLJG CDRQ", "DX_RS"),
    ("大兴区人才服务卡", "人社", "DX_RS", PER, Y3, "XB GZDW RCLB", "DX_RS"),
    ("外国人工作许可证", "科技", "MOST", PER, Y2, "XB CSRQ GJ YWXM GZDW RCLB", "BJ_KW"),
    ("住房公积金缴存证明", "公积金", "BJ_GJJ", PER, LT, "GZDW JCZT YJCE", "DX_GJJ"),
    ("个人所得税纳税记录", "税务", "STA", PER, LT, "SSQJ SE ZMYT", "DX_SWJ"),
    ("特种作业操作证", "应急", "MEM", PER, Y6, "XB CSRQ TZZYLB CCLZRQ", "BJ_YJGL"),
    ("安全生产知识和管理能力考核合格证", "应急", "MEM", PER, Y3, "XB GZDW RYLX HYLB", "DX_YJ"),
    # --- persons: 教育 / 司法 / 退役军人 / 残联
    ("教师资格证书", "教育", "MOE", PER, LT, "XB CSRQ JSZG RJXK", "DX_JY BJ_JW"),
    ("毕业证书", "教育", "MOE", PER, LT, "XB CSRQ XXMC SXZY XZ BYRQ", "BJ_JW DX_JY"),
    ("学位证书", "教育", "MOE", PER, LT, "XB CSRQ XWJB XKML XWSYDW SYRQ", "BJ_JW"),
    ("普通话水平测试等级证书", "教育", "MOE", PER, LT, "XB CSRQ CSDJ CSCJ", "BJ_JW"),
    ("法律职业资格证书", "司法", "MOJ", PER, LT, "XB CSRQ ZGLB", "MOJ"),
    ("律师执业证", "司法", "MOJ", PER, Y1, "XB ZYJG LSLB", "BJ_SF"),
    ("公证员执业证", "司法", "MOJ", PER, LT, "XB CSRQ ZYJG", "BJ_SF"),
    ("基层法律服务工作者执业证", "司法", "MOJ", PER, Y1, "XB CSRQ ZYJG", "DX_SF"),
    ("退役军人优待证", "退役军人", "MVA", PER, LT, "XB CSRQ YDZLB RWRQ TWRQ", "DX_TY"),
    ("残疾军人证", "退役军人", "MVA", PER, LT, "XB CSRQ SCDJ SCXZ", "DX_TY", SENSITIVE),
    ("烈士证明书", "退役军人", "MVA", PER, LT, "LSXM XSRQ PZJG", "MVA"),
    ("残疾人证", "残联", "CDPF", PER, Y10, "XB CSRQ CJLB CJDJ JZDZ", "DX_CL", SENSITIVE),
    # --- persons: 住建 / 规自 (the four real codes)
    ("二级建造师注册证书", "住建", "MOHURD", PER, Y3, "XB CSRQ ZCZY PRDW ZCBH", "BJ_ZJ"),
    ("建筑施工特种作业人员操作资格证书", "住建", "MOHURD", PER, Y2, "XB CSRQ CZLB CCLZRQ", "BJ_ZJ"),
    ("不动产权证书", "规自", "MNR", PER, LT, "QLR GYQK ZL BDCDYH QLLX QLXZ YT MJ", "DX_GZ"),
    ("不动产登记证明", "规自", "MNR", PER, LT, "ZMQLHSX QLR YWR ZL BDCDYH QTQK?", "DX_GZ"),
    ("建筑施工企业安全生产管理人员考核合格证书", "住建", "BJ_ZJ", PER, Y3, "XB GZDW AQRYLB", "BJ_ZJ"),
    ("房屋租赁登记备案证明", "住建", "BJ_ZJ", PER, LT, "FWZL CZR CZREN ZLQX MJ", "DX_ZJ"),
    ("公共租赁住房资格备案通知书", "住建", "BJ_ZJ", PER, Y3, "JTRKS JZDZ HJDZ", "DX_ZJ"),
    ("不动产登记资料查询结果证明", "规自", "BJ_GZ", PER, LT, "CXR ZL CXJG CXRQ", "DX_GZ"),
    # --- persons: 农业农村 / 文旅 / 交通 / 市场监管
    ("农村宅基地批准书", "农业农村", "MARA", PER, LT, "SZC ZDMJ PZRQ", "DX_NY"),
    ("农村土地承包经营权证", "农业农村", "MARA", PER, LT, "CBFDB CBMJ CBQX SZC", "DX_NY"),
    ("拖拉机和联合收割机驾驶证", "农业农村", "MARA", PER, Y6, "XB CSRQ ZZ NJZJJX CCLZRQ", "DX_NY"),
    ("导游证", "文旅", "MCT", PER, Y3, "XB YZ DYDJ", "BJ_WL"),
    ("网络预约出租汽车驾驶员证", "交通", "MOT", PER, Y6, "XB ZJCX CCLZRQ", "BJ_JT"),
    ("道路运输从业人员从业资格证", "交通", "MOT", PER, Y6, "XB CSRQ CYZGLB", "BJ_JT"),
    ("特种设备安全管理和作业人员证", "市场监管", "SAMR", PER, Y4, "XB ZYXM GZDW", "DX_SJ"),
    # --- organisations: 市场监管 / 药监 / 知识产权
    ("营业执照", "市场监管", "SAMR", ORG, LT, "ZTLX FDDBR ZS ZCZB CLRQ JYFW", "DX_SJ"),
    ("个体工商户营业执照", "市场监管", "SAMR", ORG, LT, "JYZ ZCXS JYCS JYFW CLRQ", "DX_SJ"),
    ("食品经营许可证", "市场监管", "SAMR", ORG, Y5, "FDDBR ZS JYCS ZTYT JYXM", "DX_SJ"),
    ("食品生产许可证", "市场监管", "SAMR", ORG, Y5, "FDDBR ZS SCDZ SPLB", "DX_SJ"),
    ("小型餐饮许可证", "市场监管", "BJ_SJ", ORG, Y3, "JYZ JYCS JYXM", "DX_SJ"),
    ("食品小经营店备案证明", "市场监管", "BJ_SJ", ORG, Y3, "JYZ JYCS JYXM", "DX_SJ"),
    ("特种设备使用登记证", "市场监管", "SAMR", ORG, LT, "SBZL SBDM SBDZ", "DX_SJ"),
    ("工业产品生产许可证", "市场监管", "SAMR", ORG, Y5, "FDDBR ZS SCDZ CPMC", "BJ_SJ"),
    ("检验检测机构资质认定证书", "市场监管", "SAMR", ORG, Y6, "FDDBR ZS JCNL", "BJ_SJ"),
    ("药品经营许可证", "药监", "NMPA", ORG, Y5, "FDDBR QYFZR ZLFZR ZS CKDZ JYFS JYFW", "BJ_YJ DX_SJ"),
    ("第二类医疗器械经营备案凭证", "药监", "NMPA", ORG, LT, "FDDBR QYFZR ZS JYCS JYFS JYFW", "DX_SJ"),
    ("医疗器械经营许可证", "药监", "NMPA", ORG, Y5, "FDDBR QYFZR ZS JYCS JYFS JYFW", "DX_SJ"),
    ("药品生产许可证", "药监", "NMPA", ORG, Y5, "FDDBR QYFZR ZLFZR SCDZ SCFW", "BJ_YJ"),
    ("化妆品生产许可证", "药监", "NMPA", ORG, Y5, "FDDBR QYFZR SCDZ XKXM", "BJ_YJ"),
    ("专利证书", "知识产权", "CNIPA", ORG, Y20, "ZLMC ZLLX ZLH SQRQ SQGGR", "CNIPA"),
    ("商标注册证", "知识产权", "CNIPA", ORG, Y10, "SBMC SBZCH HDSP SBLB", "CNIPA"),
    # --- organisations: 卫健
    ("医疗机构执业许可证", "卫健", "NHC", ORG, Y5, "FDDBR FZR JGLB ZLKM CWS JJXZ ZS", "DX_WJ"),
    ("公共场所卫生许可证", "卫健", "NHC", ORG, Y4, "FDDBR JYCS XKXM", "DX_WJ"),
    ("放射诊疗许可证", "卫健", "NHC", ORG, LT, "FDDBR ZS XKXM", "DX_WJ"),
    ("母婴保健技术服务执业许可证", "卫健", "NHC", ORG, Y3, "FDDBR ZS XKXM", "DX_WJ"),
    ("饮用水供水单位卫生许可证", "卫健", "NHC", ORG, Y4, "FDDBR ZS GSFS", "DX_WJ"),
    # --- organisations: 住建 / 规自
    ("建筑工程施工许可证", "住建", "BJ_ZJ", ORG, LT, "XMMC JSDZ JSGM HTJG SGDW JLDW HTGQ", "DX_ZJ"),
    ("建筑业企业资质证书", "住建", "BJ_ZJ", ORG, Y5, "FDDBR ZS ZZLB", "BJ_ZJ DX_ZJ"),
    ("建筑施工企业安全生产许可证", "住建", "BJ_ZJ", ORG, Y3, "FDDBR ZS XKFW", "BJ_ZJ"),
    ("房地产开发企业资质证书", "住建", "BJ_ZJ", ORG, Y3, "FDDBR ZS ZZDJ", "BJ_ZJ DX_ZJ"),
    ("商品房预售许可证", "住建", "BJ_ZJ", ORG, LT, "XMMC JSDZ YSMJ YSFWSM", "BJ_ZJ"),
    ("建设工程竣工验收备案证明", "住建", "BJ_ZJ", ORG, LT, "XMMC JSDZ JSGM SGDW JLDW", "DX_ZJ"),
    ("建设工程消防验收意见书", "住建", "BJ_ZJ", ORG, LT, "XMMC JSDZ JSGM YSJL", "DX_ZJ"),
    ("建设工程规划许可证", "规自", "BJ_GZ", ORG, Y2, "XMMC JSDZ JSGM", "DX_GZ"),
    ("建设用地规划许可证", "规自", "BJ_GZ", ORG, LT, "XMMC JSDZ YDMJ YDXZ", "DX_GZ"),
    ("乡村建设规划许可证", "规自", "BJ_GZ", ORG, Y2, "XMMC JSDZ JSGM", "DX_GZ"),
    # --- organisations: 交通 / 生态环境
    ("道路运输经营许可证", "交通", "MOT", ORG, Y4, "FDDBR ZS JYFW", "DX_JT BJ_JT"),
    ("道路运输证", "交通", "MOT", ORG, LT, "HPHM CLLX DWZW JYFW", "DX_JT"),
    ("网络预约出租汽车运输证", "交通", "MOT", ORG, Y8, "HPHM CLLX PPXH CLSBDH", "BJ_JT"),
    ("机动车维修经营备案证明", "交通", "MOT", ORG, LT, "FDDBR JYCS WXLB", "DX_JT"),
    ("排污许可证", "生态环境", "MEE", ORG, Y5, "FDDBR JYCS HYLB ZYWRWLB", "DX_HB"),
    ("固定污染源排污登记回执", "生态环境", "MEE", ORG, Y5, "FDDBR JYCS HYLB", "DX_HB"),
    ("建设项目环境影响评价文件批复", "生态环境", "MEE", ORG, LT, "XMMC JSDZ HPLB", "DX_HB"),
    ("辐射安全许可证", "生态环境", "MEE", ORG, Y5, "FDDBR ZS ZLHFW", "BJ_HB"),
    ("危险废物经营许可证", "生态环境", "MEE", ORG, Y5, "FDDBR ZS WFJYFS FWLB", "BJ_HB"),
    # --- organisations: 文旅 / 应急 / 消防 / 烟草
    ("娱乐经营许可证", "文旅", "MCT", ORG, Y2, "FDDBR JYCS JYFW MJ", "DX_WL"),
    ("网络文化经营许可证", "文旅", "MCT", ORG, Y3, "FDDBR ZS JYFW", "BJ_WL"),
    ("营业性演出许可证", "文旅", "MCT", ORG, Y2, "FDDBR ZS JYFW", "BJ_WL DX_WL"),
    ("旅行社业务经营许可证", "文旅", "MCT", ORG, LT, "FDDBR ZS JYFW", "BJ_WL"),
    ("互联网上网服务营业场所经营许可证", "文旅", "MCT", ORG, LT, "FDDBR JYCS JSJTS", "DX_WL"),
    ("出版物经营许可证", "文旅", "NPPA", ORG, Y6, "FDDBR JYCS JYFW", "DX_WL"),
    ("危险化学品经营许可证", "应急", "MEM", ORG, Y3, "FDDBR ZS JYFS XKFW CKDZ?", "DX_YJ"),
    ("烟花爆竹经营（零售）许可证", "应急", "MEM", ORG, Y1, "FZR JYCS XKFW", "DX_YJ"),
    ("安全生产标准化达标证书", "应急", "MEM", ORG, Y3, "FDDBR HYLB DBDJ", "DX_YJ"),
    ("消防安全检查合格证", "消防", "MEM", ORG, LT, "FDDBR CSMC JYCS JZMJ CSYT", "DX_XF"),
    ("烟草专卖零售许可证", "烟草", "STMA", ORG, Y5, "FZR JYCS QYLX XKFW", "DX_YC"),
    # --- organisations: 城管 / 水务 / 农业农村
    ("户外广告设施设置许可决定书", "城管", "BJ_CG", ORG, Y1, "SZDD GGGG XMMC", "DX_CG"),
    ("燃气经营许可证", "城管", "BJ_CG", ORG, Y3, "FDDBR ZS RQJYLB JYQY", "BJ_CG"),
    ("取水许可证", "水务", "MWR", ORG, Y5, "QSDD QSL QSYT SYLX", "DX_SW"),
    ("城镇污水排入排水管网许可证", "水务", "BJ_SW", ORG, Y5, "FDDBR PSHLX JYCS PSL", "DX_SW"),
    ("动物防疫条件合格证", "农业农村", "MARA", ORG, LT, "FDDBR JYCS DWZL", "DX_NY"),
    ("兽药经营许可证", "农业农村", "MARA", ORG, Y5, "FDDBR JYCS JYFW", "DX_NY"),
    ("农药经营许可证", "农业农村", "MARA", ORG, Y5, "FDDBR JYCS JYFW", "DX_NY"),
    ("种子生产经营许可证", "农业农村", "MARA", ORG, Y5, "FDDBR ZS SCJYZL", "DX_NY"),
    # --- organisations: 民政 / 人社 / 教育
    ("社会团体法人登记证书", "民政", "MCA", ORG, Y5, "FDDBR ZS YWZGDW YWFW HDDY ZCZB", "DX_MZ"),
    ("民办非企业单位登记证书", "民政", "MCA", ORG, Y5, "FDDBR ZS YWZGDW YWFW ZCZB", "DX_MZ"),
    ("基金会法人登记证书", "民政", "MCA", ORG, Y5, "FDDBR ZS YWFW ZCZB", "BJ_MZ"),
    ("养老机构备案回执", "民政", "MCA", ORG, LT, "FDDBR JYCS CWS FWNR", "DX_MZ"),
    ("人力资源服务许可证", "人社", "MOHRSS", ORG, LT, "FDDBR ZS XKFW", "DX_RS"),
    ("劳务派遣经营许可证", "人社", "MOHRSS", ORG, Y3, "FDDBR ZS ZCZB", "DX_RS"),
    ("民办职业培训学校办学许可证", "人社", "MOHRSS", ORG, Y5, "FDDBR ZS PXXM", "DX_RS"),
    ("民办学校办学许可证", "教育", "MOE", ORG, Y5, "FDDBR ZS XXLB BXNR", "DX_JY"),
    # --- organisations: 公安 / 科技 / 商务 / 体育 / 邮政
    ("公章刻制备案证明", "公安", "MPS", ORG, LT, "YZMC YZSL KZDW", "DX_GA"),
    ("旅馆业特种行业许可证", "公安", "MPS", ORG, LT, "FDDBR JYCS FJS", "DX_GA"),
    ("保安服务许可证", "公安", "MPS", ORG, LT, "FDDBR ZS FWFW", "BJ_GA"),
    ("大型群众性活动安全许可决定书", "公安", "MPS", ORG, Y1, "HDMC HDDD HDRQ YJRS", "DX_GA"),
    ("高新技术企业证书", "科技", "MOST", ORG, Y3, "FDDBR ZS JSLY", "BJ_KW"),
    ("对外贸易经营者备案登记表", "商务", "MOFCOM", ORG, LT, "FDDBR ZS JYZLX", "DX_SWU"),
    ("成品油零售经营批准证书", "商务", "MOFCOM", ORG, Y5, "FDDBR JYCS YGRL", "BJ_SWJ"),
    ("高危险性体育项目经营许可证", "体育", "GAS", ORG, Y5, "FDDBR JYCS TYXM", "DX_TYJ"),
    ("快递业务经营许可证", "邮政", "SPB", ORG, Y5, "FDDBR ZS JYDY", "BJ_YZ"),
]

# ----- matters ------------------------------------------------------------------------------
# (name, department, served holder category, licences). A licence entry is a type name,
# "?name" for optional, "name[KZ keys]" to fix the face fields the matter needs.

DEPT_ABBR = {
    "人社": "RS",
    "公安": "GA",
    "出入境": "CR",
    "交管": "JG",
    "民政": "MZ",
    "卫健": "WJ",
    "市场监管": "SJ",
    "药监": "YP",
    "住建": "ZJ",
    "规自": "GZ",
    "退役军人": "TY",
    "残联": "CL",
    "教育": "JY",
    "司法": "SF",
    "交通": "JT",
    "生态环境": "HB",
    "文旅": "WL",
    "应急": "YJ",
    "烟草": "YC",
    "城管": "CG",
    "水务": "SW",
    "农业农村": "NY",
    "医保": "YB",
    "公积金": "GJ",
    "消防": "XF",
    "税务": "SS",
    "科技": "KJ",
    "商务": "SH",
    "体育": "TI",
}

MATTERS: list[tuple[str, str, str, list[str]]] = [
    ("失业登记", "人社", PER, ["居民身份证[XB CSRQ]", "?社会保障卡", "?就业创业证"]),
    ("社会保障卡补领", "人社", PER, ["居民身份证"]),
    ("失业保险金申领", "人社", PER, ["居民身份证", "社会保障卡[KH FKYH]"]),
    ("就业创业证申领", "人社", PER, ["居民身份证", "?居民户口簿[HJDZ]"]),
    ("专业技术资格评审申报", "人社", PER, ["居民身份证", "毕业证书", "?学位证书", "?专业技术资格证书"]),
    ("职工正常退休申请", "人社", PER, ["居民身份证[XB CSRQ]", "社会保障卡", "?居民户口簿"]),
    ("北京市工作居住证办理", "人社", PER, ["居民身份证", "毕业证书", "?学位证书"]),
    ("人力资源服务许可", "人社", ORG, ["营业执照"]),
    ("劳务派遣经营许可", "人社", ORG, ["营业执照[ZTLX ZCZB ZS]"]),
    ("居住证办理", "公安", PER, ["居民身份证", "?房屋租赁登记备案证明", "?社会保障卡"]),
    (
        "新生儿落户",
        "公安",
        PER,
        [
            "出生医学证明[XSEXM XB CSRQ CSD MQXM FQXM]",
            "结婚证[DJRQ NFXM NVFXM]",
            "居民户口簿",
            "居民身份证",
        ],
    ),
    ("居民身份证换领", "公安", PER, ["居民户口簿", "?居民身份证"]),
    ("户口迁入（投靠）", "公安", PER, ["居民户口簿", "居民身份证", "?结婚证", "?不动产权证书"]),
    ("无犯罪记录证明开具", "公安", PER, ["居民身份证"]),
    ("犬只登记", "公安", PER, ["居民身份证[ZZ]", "?不动产权证书[ZL]", "?房屋租赁登记备案证明[FWZL]"]),
    ("旅馆业特种行业许可", "公安", ORG, ["营业执照", "消防安全检查合格证"]),
    ("保安员证申领", "公安", PER, ["居民身份证", "?毕业证书"]),
    ("公章刻制备案", "公安", ORG, ["营业执照"]),
    ("普通护照签发", "出入境", PER, ["居民身份证", "?居民户口簿"]),
    ("往来港澳通行证及签注签发", "出入境", PER, ["居民身份证"]),
    ("往来台湾通行证签发", "出入境", PER, ["居民身份证"]),
    ("机动车驾驶证期满换证", "交管", PER, ["机动车驾驶证", "居民身份证", "健康证明[TJRQ TJJG]"]),
    ("机动车转移登记", "交管", PER, ["机动车登记证书", "机动车行驶证", "居民身份证"]),
    ("电动自行车登记", "交管", PER, ["居民身份证"]),
    ("结婚登记", "民政", PER, ["居民身份证[XB CSRQ MZ]", "居民户口簿[HJDZ YHZGX]"]),
    ("离婚登记", "民政", PER, ["结婚证", "居民身份证", "居民户口簿"]),
    ("补领婚姻登记证", "民政", PER, ["居民身份证", "居民户口簿", "?婚姻登记记录证明"]),
    ("收养登记", "民政", PER, ["居民身份证", "居民户口簿", "?结婚证", "?出生医学证明[XSEXM CSRQ]"]),
    ("最低生活保障申请", "民政", PER, ["居民身份证", "居民户口簿", "?残疾人证[CJLB CJDJ]", "?不动产权证书"]),
    ("老年人优待证办理", "民政", PER, ["居民身份证[CSRQ]", "?社会保障卡"]),
    ("社会团体变更登记", "民政", ORG, ["社会团体法人登记证书", "?不动产权证书"]),
    ("民办非企业单位变更登记", "民政", ORG, ["民办非企业单位登记证书"]),
    ("养老机构备案", "民政", ORG, ["营业执照", "消防安全检查合格证", "?医疗机构执业许可证"]),
    ("居民死亡殡葬服务", "民政", PER, ["居民死亡医学证明（推断）书[SZXM SWRQ]", "居民身份证"]),
    ("公共场所卫生许可", "卫健", ORG, ["营业执照", "?健康证明[CYLB TJRQ]"]),
    ("医疗机构执业登记", "卫健", ORG, ["营业执照", "医师执业证书", "?护士执业证书", "?不动产权证书"]),
    ("医师执业注册", "卫健", PER, ["医师资格证书", "居民身份证", "?健康证明"]),
    ("护士执业注册", "卫健", PER, ["毕业证书", "居民身份证", "?健康证明"]),
    ("独生子女父母光荣证补办", "卫健", PER, ["居民身份证", "结婚证", "?居民户口簿"]),
    ("出生医学证明补发", "卫健", PER, ["居民身份证", "?结婚证"]),
    ("生育登记", "卫健", PER, ["结婚证", "居民身份证", "?居民户口簿"]),
    ("母婴保健技术服务执业许可", "卫健", ORG, ["医疗机构执业许可证"]),
    ("放射诊疗许可", "卫健", ORG, ["医疗机构执业许可证", "辐射安全许可证"]),
    ("个体工商户设立登记", "市场监管", PER, ["居民身份证", "?不动产权证书", "?房屋租赁登记备案证明"]),
    ("企业变更登记", "市场监管", ORG, ["营业执照", "?不动产权证书"]),
    ("企业注销登记", "市场监管", ORG, ["营业执照"]),
    ("个体工商户注销登记", "市场监管", ORG, ["个体工商户营业执照"]),
    ("食品经营许可证核发", "市场监管", ORG, ["营业执照", "?健康证明[CYLB TJRQ]", "?不动产权证书[ZL YT]"]),
    ("食品经营许可证延续", "市场监管", ORG, ["食品经营许可证", "营业执照"]),
    ("小型餐饮许可证核发", "市场监管", ORG, ["个体工商户营业执照", "健康证明[CYLB TJRQ]"]),
    ("特种设备使用登记", "市场监管", ORG, ["营业执照", "?特种设备安全管理和作业人员证"]),
    ("药品零售企业经营许可", "药监", ORG, ["营业执照", "执业药师注册证"]),
    ("第二类医疗器械经营备案", "药监", ORG, ["营业执照"]),
    ("医疗器械经营许可", "药监", ORG, ["营业执照", "?第二类医疗器械经营备案凭证"]),
    ("二级建造师执业印章申领", "住建", PER, ["二级建造师注册证书[ZCZY PRDW ZCBH]", "居民身份证"]),
    (
        "建筑施工特种作业人员操作资格证书延期复核",
        "住建",
        PER,
        ["建筑施工特种作业人员操作资格证书", "居民身份证"],
    ),
    ("二级建造师初始注册", "住建", PER, ["职业资格证书", "毕业证书", "居民身份证"]),
    (
        "建筑工程施工许可",
        "住建",
        ORG,
        ["营业执照", "建设工程规划许可证", "建筑业企业资质证书", "?不动产权证书"],
    ),
    ("房屋租赁登记备案", "住建", PER, ["不动产权证书[QLR ZL YT MJ]", "居民身份证"]),
    (
        "公共租赁住房资格申请",
        "住建",
        PER,
        ["居民身份证", "居民户口簿", "不动产登记资料查询结果证明", "?结婚证"],
    ),
    ("不动产转移登记", "规自", PER, ["不动产权证书", "居民身份证", "?结婚证", "?居民户口簿"]),
    ("不动产抵押登记", "规自", PER, ["不动产权证书", "居民身份证"]),
    ("不动产抵押注销登记", "规自", PER, ["不动产登记证明", "不动产权证书"]),
    ("建设工程规划许可", "规自", ORG, ["营业执照", "建设用地规划许可证", "?不动产权证书"]),
    ("不动产登记资料查询", "规自", PER, ["居民身份证"]),
    ("退役军人优待证申领", "退役军人", PER, ["居民身份证", "?社会保障卡"]),
    ("伤残抚恤关系转移", "退役军人", PER, ["残疾军人证", "居民身份证", "居民户口簿"]),
    ("残疾人证换领", "残联", PER, ["残疾人证", "居民身份证", "居民户口簿"]),
    ("残疾人证新办", "残联", PER, ["居民身份证", "居民户口簿"]),
    ("教师资格认定", "教育", PER, ["毕业证书", "普通话水平测试等级证书", "居民身份证", "?学位证书"]),
    ("民办学校办学许可", "教育", ORG, ["民办非企业单位登记证书", "消防安全检查合格证", "?不动产权证书"]),
    (
        "小学入学信息采集",
        "教育",
        PER,
        ["居民户口簿", "?出生医学证明[XSEXM CSRQ]", "?北京市居住证", "?不动产权证书[ZL]"],
    ),
    ("律师执业许可", "司法", PER, ["法律职业资格证书", "居民身份证"]),
    ("法律援助申请", "司法", PER, ["居民身份证", "?最低生活保障证", "?残疾人证"]),
    ("道路运输经营许可", "交通", ORG, ["营业执照", "?道路运输从业人员从业资格证"]),
    ("网络预约出租汽车驾驶员证申领", "交通", PER, ["机动车驾驶证", "居民身份证", "无犯罪记录证明"]),
    ("排污许可证申领", "生态环境", ORG, ["营业执照"]),
    ("固定污染源排污登记", "生态环境", ORG, ["营业执照"]),
    ("娱乐场所经营许可", "文旅", ORG, ["营业执照", "消防安全检查合格证"]),
    ("营业性演出许可", "文旅", ORG, ["营业执照"]),
    ("出版物零售单位设立", "文旅", ORG, ["营业执照"]),
    ("危险化学品经营许可", "应急", ORG, ["营业执照", "安全生产知识和管理能力考核合格证"]),
    ("烟花爆竹零售许可", "应急", ORG, ["营业执照"]),
    ("烟草专卖零售许可证新办", "烟草", ORG, ["?营业执照", "?个体工商户营业执照"]),
    ("烟草专卖零售许可证延续", "烟草", ORG, ["烟草专卖零售许可证", "?营业执照"]),
    ("户外广告设施设置许可", "城管", ORG, ["营业执照"]),
    ("燃气经营许可", "城管", ORG, ["营业执照"]),
    ("取水许可", "水务", ORG, ["营业执照"]),
    ("城镇污水排入排水管网许可", "水务", ORG, ["营业执照"]),
    ("农村宅基地审批", "农业农村", PER, ["居民身份证", "居民户口簿"]),
    ("动物防疫条件合格证核发", "农业农村", ORG, ["营业执照"]),
    ("农药经营许可", "农业农村", ORG, ["营业执照"]),
    ("异地就医备案", "医保", PER, ["社会保障卡", "居民身份证"]),
    ("住房公积金提取（购房）", "公积金", PER, ["居民身份证", "不动产权证书", "?结婚证"]),
    ("公众聚集场所投入使用营业前消防安全检查", "消防", ORG, ["营业执照", "?不动产权证书"]),
    ("个人所得税纳税记录开具", "税务", PER, ["居民身份证"]),
    ("高新技术企业认定申报", "科技", ORG, ["营业执照", "?专利证书"]),
    ("对外贸易经营者备案", "商务", ORG, ["营业执照"]),
    ("高危险性体育项目经营许可", "体育", ORG, ["营业执照", "?消防安全检查合格证"]),
]

# Plausible shares of the flags (domain reference §1: 368 online, 26 cross-district, 63
# self-service out of the district's matters).
FLAG_SHARES = {PER: (0.70, 0.30, 0.35), ORG: (0.75, 0.08, 0.10)}
LINK_BASE_FIELDS = ("CZZT", "CZZTDM", "ZZBH")


def build() -> dict[str, dict[str, Any]]:
    """The three seed documents, computed from the tables above with a fixed seed."""
    rng = random.Random(SEED)

    # authorities: generate USCCs in a fixed order
    uscc: dict[str, str] = {}
    taken = set(REAL_USCC.values())
    for key, (_, _, category, region) in AUTHORITIES.items():
        if key in REAL_USCC:
            uscc[key] = REAL_USCC[key]
            continue
        while True:
            org = "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice(USCC_ALPHABET)
            body = category + region + org
            code = body + uscc_check_char(body)
            if code not in taken:
                break
        taken.add(code)
        uscc[key] = code

    # types
    sequence: dict[str, int] = {}
    real_by_name = {name: code for code, name in REAL_TYPE_CODES.items()}
    types: list[dict[str, Any]] = []
    issues: dict[str, list[str]] = {key: [] for key in AUTHORITIES}
    by_name: dict[str, dict[str, Any]] = {}
    for row in TYPES:
        name, department, definer, holder, validity, fields, issuers = row[:7]
        sensitive = len(row) > 7 and row[7] is SENSITIVE
        if name in real_by_name:
            code = real_by_name[name]
        else:
            if definer in REAL_USCC:
                raise SystemExit(f"{name}: synthetic types must not use a real authority's USCC")
            sequence[definer] = sequence.get(definer, 0) + 1
            code = f"{uscc[definer]}{sequence[definer]:03d}"
        item = {
            "code": code,
            "name": name,
            "authority_uscc": uscc[definer],
            "department": department,
            "level": AUTHORITIES[definer][1],
            "holder_category": holder,
            "sensitive": sensitive,
            "validity_rule": validity,
            "face_schema": [face_field(key) for key in fields.split()],
            "synthetic": code not in REAL_TYPE_CODES,
        }
        if name in by_name:
            raise SystemExit(f"duplicate type name {name}")
        by_name[name] = item
        types.append(item)
        for issuer in issuers.split():
            issues[issuer].append(code)
    if len(types) != 160:
        raise SystemExit(f"expected 160 licence types, the table has {len(types)}")

    authorities = []
    for key, (name, level, _, _) in AUTHORITIES.items():
        check = check_uscc(uscc[key])
        authorities.append(
            {
                "uscc": uscc[key],
                "name": name,
                "level": level,
                "issues": sorted(issues[key]),
                "uscc_warning": "; ".join(check.warnings + check.errors) or None,
                "synthetic": key not in REAL_USCC,
            }
        )

    # matters
    counters: dict[str, int] = {}
    matters = []
    for name, department, holder, licences in MATTERS:
        abbr = DEPT_ABBR[department]
        counters[abbr] = counters.get(abbr, 0) + 1
        online, cross, booth = FLAG_SHARES[holder]
        matters.append(
            {
                "code": f"DX-{abbr}{counters[abbr]:04d}",
                "name": name,
                "department": department,
                "holder_category": holder,
                "online": rng.random() < online,
                "cross_district": rng.random() < cross,
                "self_service": rng.random() < booth,
                "licences": [licence_link(spec, by_name, rng) for spec in licences],
                "synthetic": True,
            }
        )

    def doc(key: str, items: list[dict[str, Any]], sort_key: str) -> dict[str, Any]:
        return {
            "format": 1,
            "generated_by": "tools/gen_catalog.py",
            "note": SYNTHETIC_NOTE,
            key: sorted(items, key=lambda item: item[sort_key]),
        }

    return {
        "authorities.json": doc("authorities", authorities, "uscc"),
        "types.json": doc("types", types, "code"),
        "matters.json": doc("matters", matters, "code"),
    }


def face_field(key: str) -> dict[str, Any]:
    optional = key.endswith("?")
    key = key.rstrip("?")
    label, kind, values = FIELDS[key]
    field: dict[str, Any] = {"name": f"KZ_{key}", "label": label, "type": kind, "required": not optional}
    if kind == "enum":
        field["enum"] = list(values)
    return field


def licence_link(spec: str, by_name: dict[str, dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """One entry of a matter's licence list: type, required, the fields the matter needs."""
    required = not spec.startswith("?")
    name, _, wanted = spec.lstrip("?").partition("[")
    licence_type = by_name[name]
    face = [f["name"] for f in licence_type["face_schema"]]
    if wanted:
        chosen = [f"KZ_{key}" for key in wanted.rstrip("]").split()]
        unknown = set(chosen) - set(face)
        if unknown:
            raise SystemExit(f"{spec}: {sorted(unknown)} not in the face schema of {name}")
    else:  # minimum necessary: a few of the required face fields, in schema order
        mandatory = [f["name"] for f in licence_type["face_schema"] if f["required"]]
        picked = set(rng.sample(mandatory, k=min(len(mandatory), rng.randint(1, 3))))
        chosen = [f for f in face if f in picked]
    fields = list(LINK_BASE_FIELDS) + chosen
    if licence_type["validity_rule"] != "long-term":
        fields.append("ZZYXQJZRQ")
    return {"type_code": licence_type["code"], "required": required, "fields": fields}


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="directory for the seed files")
    parser.add_argument("--check", action="store_true", help="exit 1 if the files differ; write nothing")
    args = parser.parse_args(argv)
    stale = []
    for filename, document in build().items():
        path = args.out / filename
        text = render(document)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")  # noqa: T201
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
