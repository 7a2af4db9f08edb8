#!/usr/bin/env python3
"""Writes Metadata/openapi.json, the OpenAPI 3.1 description of every route.

Edit this file when a route is added or changed, then run it: `python3 Tests/OpenAPI/generate.py`.
SystemTests.theOpenAPIDocumentDescribesEveryRoute fails while the document and the router disagree.
"""
import json
S=lambda n:{"$ref":"#/components/schemas/"+n}
def page(item): return {"type":"object","required":["items","total","page","pageSize"],"properties":{"items":{"type":"array","items":S(item)},"total":{"type":"integer"},"page":{"type":"integer"},"pageSize":{"type":"integer"}}}
P=lambda name,desc,schema={"type":"string"},where="query",req=False:{"name":name,"in":where,"required":req or where=="path","description":desc,"schema":schema}
paging=[P("page","页码，从 1 开始",{"type":"integer","minimum":1,"maximum":1000000}),P("pageSize","每页条数（最多 100）",{"type":"integer","minimum":1,"maximum":100})]
def problem(desc): return {"description":desc,"content":{"application/problem+json":{"schema":S("Problem")}}}
def ok(schema,desc="OK",status="200"): return {status:{"description":desc,"content":{"application/json":{"schema":schema}}}}
E={"400":problem("请求格式有误（invalid_document, invalid_query, invalid_multipart）"),"401":problem("未登录（unauthorized）"),"403":problem("没有权限（forbidden）"),"404":problem("未找到（not_found）"),"409":problem("冲突（conflict, invalid_transition）"),"413":problem("内容过大（payload_too_large）"),"415":problem("不支持的文件类型（unsupported_media）"),"416":problem("范围无效（range_not_satisfiable）"),"422":problem("内容不符合规则（missing_metadata, invalid_metadata, validation_failed, unknown_major, unknown_course, unknown_knowledge_point, empty_file, kind_mismatch）"),"429":problem("请求过于频繁（rate_limited）"),"507":problem("存储空间不足（insufficient_storage）")}
def errs(*codes): return {c:E[c] for c in codes}
sec=[{"bearer":[]}]
def op(summary,tags,responses,params=None,body=None,auth=True,desc=None):
    # Any request with an unknown, expired or revoked bearer token is refused, whatever the route.
    responses={**responses,"401":E["401"]}
    if body: responses={**responses,"400":E["400"],"413":E["413"]}
    o={"summary":summary,"tags":tags,"responses":responses}
    if desc:o["description"]=desc
    if params:o["parameters"]=params
    if body:o["requestBody"]=body
    if auth:o["security"]=sec
    return o
jb=lambda schema:{"required":True,"content":{"application/json":{"schema":schema}}}
mp={"required":True,"content":{"multipart/form-data":{"schema":{"type":"object","required":["metadata","file"],"properties":{"metadata":S("ResourceMetadata"),"file":{"type":"string","format":"binary"}}},"encoding":{"metadata":{"contentType":"application/json"}}}}}
mpfile={"required":True,"content":{"multipart/form-data":{"schema":{"type":"object","required":["file"],"properties":{"file":{"type":"string","format":"binary"}}}}}}
itp=P("itemType","条目类型",{"enum":["resource","question"]},"path")
rid=P("id","条目编号",{"type":"string"},"path")
idp=P("id","资源编号（UUID）",{"type":"string","format":"uuid"},"path")
ver=P("version","版本号（默认当前或已发布版本）",{"type":"integer","minimum":1})
content_headers={"ETag":{"schema":{"type":"string"},"description":"内容的 SHA-256"},"Content-Disposition":{"schema":{"type":"string"},"description":"规范名称，RFC 6266 / 5987 编码"},"Accept-Ranges":{"schema":{"type":"string"}},"Content-Range":{"schema":{"type":"string"}}}
paths={
"/health":{"get":op("健康检查",["system"],{**ok(S("Health")),"503":{"description":"数据库不可用","content":{"application/json":{"schema":S("Health")}}}},auth=False)},
"/openapi.json":{"get":op("本文档",["system"],{"200":{"description":"OpenAPI 3.1 文档","content":{"application/json":{"schema":{"type":"object"}}}}},auth=False)},
"/sessions":{"post":op("登录",["accounts"],{**ok(S("Session"),"已登录","201"),**errs("400","401","422","429")},body=jb({"type":"object","required":["username","password"],"properties":{"username":{"type":"string"},"password":{"type":"string"}}}),auth=False,desc="失败次数过多时按账号和地址限流（429，带 Retry-After）。"),
  "delete":op("退出登录（吊销当前令牌）",["accounts"],{"204":{"description":"已退出"},**errs("401")})},
"/me":{"get":op("当前用户",["accounts"],{**ok(S("User")),**errs("401")})},
"/learners/register":{"post":op("学习者注册",["accounts"],{**ok(S("User"),"已注册","201"),**errs("400","409","422")},body=jb({"type":"object","required":["username","password"],"properties":{"username":{"type":"string","pattern":"^[A-Za-z0-9._\\u4e00-\\u9fff-]{2,64}$"},"password":{"type":"string","minLength":8,"maxLength":72},"displayName":{"type":"string","maxLength":100}}}),auth=False)},
"/majors":{"get":op("资源库的专业（核心专业在前）",["catalogue"],{**ok(page("Major")),**errs("400")},params=paging,auth=False),
  "post":op("新增专业（代码须在 2021 年专业目录中；一个核心专业，至多五个服务专业）",["catalogue"],{**ok(S("Major"),"已创建","201"),**errs("400","401","403","409","422")},body=jb(S("MajorInput")))},
"/majors/{code}":{"get":op("专业",["catalogue"],{**ok(S("Major")),**errs("404")},params=[P("code","专业代码",where="path")],auth=False),
  "patch":op("修改专业名称或角色",["catalogue"],{**ok(S("Major")),**errs("400","401","403","404","409","422")},params=[P("code","专业代码",where="path")],body=jb({"type":"object","properties":{"name":{"type":"string"},"role":{"enum":["core","served"]}}}))},
"/courses":{"get":op("课程",["catalogue"],{**ok(page("Course")),**errs("400")},params=[P("major","专业代码"),P("category","课程类别",{"enum":["core","foundation","extension"]})]+paging,auth=False),
  "post":op("新增课程",["catalogue"],{**ok(S("Course"),"已创建","201"),**errs("400","401","403","409","422")},body=jb(S("CourseInput")))},
"/courses/{id}":{"get":op("课程",["catalogue"],{**ok(S("Course")),**errs("404")},params=[P("id","课程编号",where="path")],auth=False),
  "patch":op("修改课程",["catalogue"],{**ok(S("Course")),**errs("400","401","403","404","409","422")},params=[P("id","课程编号",where="path")],body=jb({"type":"object","properties":{"name":{"type":"string","minLength":1,"maxLength":200,"pattern":"\\S"},"category":{"enum":["core","foundation","extension"]},"hours":{"type":"integer","minimum":0,"maximum":10000},"standard":{"type":"string"}}}))},
"/knowledge-points":{"get":op("知识点与技能点",["catalogue"],{**ok(page("KnowledgePoint")),**errs("400")},params=[P("course","课程编号"),P("kind","类型",{"enum":["knowledge","skill"]})]+paging,auth=False),
  "post":op("新增知识点或技能点（先修点须已存在）",["catalogue"],{**ok(S("KnowledgePoint"),"已创建","201"),**errs("400","401","403","409","422")},body=jb(S("KnowledgePointInput")))},
"/knowledge-points/{id}":{"get":op("知识点",["catalogue"],{**ok(S("KnowledgePoint")),**errs("404")},params=[P("id","知识点编号",where="path")],auth=False)},
"/catalogue/majors":{"get":op("检索 2021 年职业教育专业目录",["catalogue"],{**ok(page("CatalogueMajor")),**errs("400")},params=[P("q","代码前缀或名称关键词"),P("level","层次",{"enum":["中职","高职专科","职业本科"]})]+paging,auth=False)},
"/resources":{"get":op("资源列表（学习者只见已审核通过的资源）",["resources"],{**ok(page("Resource")),**errs("400","401","403")},params=[P("major","专业代码"),P("course","课程编号"),P("knowledgePoint","知识点编号"),P("kind","资源类型",S("ResourceKind")),P("original","是否原创",{"type":"boolean"}),P("status","状态（学习者只能为 approved）",S("ResourceStatus"))]+paging),
  "post":op("上传资源（multipart：metadata + file，流式写盘）",["resources"],{**ok(S("Resource"),"已创建","201"),**errs("400","401","403","413","415","422","507")},body=mp,desc="文件类型由 libmagic 从内容判定；声明的 kind 须与内容相符；可执行文件被拒绝（415）；超过上传上限为 413。")},
"/resources/{id}":{"get":op("资源（作者、审核员、管理员见当前版本，其他人见已发布版本）",["resources"],{**ok(S("Resource")),**errs("400","401","403","404")},params=[idp,ver]),
  "patch":op("修改元数据（部分 JSON，生成新版本）",["resources"],{**ok(S("Resource")),**errs("400","401","403","404","409","422")},params=[idp],body=jb({"type":"object","description":"ResourceMetadata 的任意字段；null 清除可选字段"})),
  "delete":op("下架资源（保留内容与历史）",["resources"],{**ok(S("Resource")),**errs("400","401","403","404","409")},params=[idp])},
"/resources/{id}/content":{"get":op("下载内容（ETag、If-None-Match、Range）",["resources"],{"200":{"description":"全部内容","headers":content_headers,"content":{"*/*":{"schema":{"type":"string","format":"binary"}}}},"206":{"description":"部分内容","headers":content_headers,"content":{"*/*":{"schema":{"type":"string","format":"binary"}}}},"304":{"description":"未修改"},**errs("400","401","403","404","416")},params=[idp,ver,P("download","强制以附件下载",{"type":"boolean"}),P("Range","字节范围",where="header"),P("If-None-Match","ETag",where="header"),P("If-Range","ETag",where="header")]),
  "head":op("内容的头信息",["resources"],{"200":{"description":"头信息","headers":content_headers},"206":{"description":"部分内容的头信息","headers":content_headers},"304":{"description":"未修改"},**errs("400","401","403","404","416")},params=[idp,ver]),
  "put":op("上传新版本的内容（multipart：file）",["resources"],{**ok(S("Resource")),**errs("400","401","403","404","409","413","415","422","507")},params=[idp],body=mpfile)},
"/resources/{id}/versions":{"get":op("全部版本（新在前）",["resources"],{**ok(page("ResourceVersion")),**errs("400","401","403","404")},params=[idp])},
"/resources/{id}/history":{"get":op("操作记录（事件，旧在前）",["resources"],{**ok(page("Event")),**errs("400","401","403","404")},params=[idp]+paging)},
"/resources/{id}/submit":{"post":op("提交审核（draft → pending）",["resources"],{**ok(S("Resource")),**errs("400","401","403","404","409")},params=[idp])},
"/resources/{id}/ratings":{"post":op("评价资源（1–5 星；每个账号一条，新评价替换旧评价）",["resources"],{**ok(S("Rating"),"已评价","201"),**errs("400","401","403","404","409","422")},params=[idp],body=jb({"type":"object","required":["stars"],"properties":{"stars":{"type":"integer","minimum":1,"maximum":5},"comment":{"type":"string"}}}))},
"/search":{"get":op("全文检索（1–4 字中文词、拼音与首字母、多词同时出现、引号短语）；含分面计数",["search"],{**ok(S("SearchResults")),**errs("400","401","403")},params=[P("q","检索词；空格分隔的各词须同时出现，\"引号\"内为一个词"),P("major","专业代码"),P("course","课程编号"),P("knowledgePoint","知识点编号"),P("kind","资源类型",S("ResourceKind")),P("original","是否原创",{"type":"boolean"}),P("status","状态（学习者只能为 approved；不传即已发布）",S("ResourceStatus")),P("sort","排序",{"enum":["relevance","newest","popular"]})]+paging)},
"/recommendations":{"get":op("相关资源：共享知识点、前后置知识点、同一课程、被同一批学习者好评",["search"],{**ok(page("Related")),**errs("400","401","403","404")},params=[P("resource","资源编号",{"type":"string","format":"uuid"},req=True),P("limit","最多条数（1–50，默认 10）",{"type":"integer","minimum":1,"maximum":50})])},
"/institutions":{"get":op("院校（主持单位在前，含账号数）",["admin"],{**ok(page("Institution")),**errs("401","403")}),
  "post":op("新增院校或修改其角色（主持单位至多 3 个）",["admin"],{**ok(S("Institution")),**errs("400","401","403","409","422")},body=jb({"type":"object","required":["name","role"],"properties":{"name":{"type":"string","minLength":1,"maxLength":100},"role":{"enum":["host","participant"]}}}))},
"/users/{username}":{"patch":op("修改账号角色（仅管理员；该账号的会话随即失效）",["admin"],{**ok(S("User")),**errs("400","401","403","404","422")},params=[P("username","用户名",where="path")],body=jb({"type":"object","required":["role"],"properties":{"role":S("Role")}}))},
"/reviews/queue":{"get":op("待审队列（最早提交的在前，含等待时长与认领人）",["review"],{**ok(page("QueueItem")),**errs("400","401","403")},params=[P("type","条目类型",{"enum":["resource","question"]})]+paging)},
"/reviews/{itemType}/{id}/claim":{"post":op("认领待审条目（在认领有效期内独占；再次认领即续期）",["review"],{**ok(S("Claim")),**errs("401","403","404","409")},params=[itp,rid])},
"/reviews/{itemType}/{id}/decision":{"post":op("审核决定（通过须四项检查全部合格；驳回或要求修改须写意见；通过即发布）",["review"],{**ok(S("Review"),"已决定","201"),**errs("400","401","403","404","409","422")},params=[itp,rid],body=jb(S("DecisionInput")))},
"/reviews/{itemType}/{id}":{"get":op("条目的全部审核记录（作者、审核员、管理员可见）",["review"],{**ok(page("Review")),**errs("401","403","404")},params=[itp,rid])},
"/report":{"get":op("监测报告（指标、分专业、分课程）；format=html 为中文页面",["report"],{"200":{"description":"报告","content":{"application/json":{"schema":S("MonitoringReport")},"text/html":{"schema":{"type":"string"}}}},**errs("400","401","403")},params=[P("year","年份（北京时间）",{"type":"integer","minimum":2000,"maximum":2100}),P("format","json 或 html",{"enum":["json","html"]})])},
}
str_=lambda **k:{"type":"string",**k}
schemas={
"Problem":{"type":"object","required":["type","title","status","detail","code","errors"],"properties":{"type":str_(),"title":str_(),"status":{"type":"integer"},"detail":str_(),"code":str_(description="稳定的机器代码"),"errors":{"type":"array","items":{"type":"object","required":["field","message"],"properties":{"field":str_(),"message":str_()}}}}},
"Health":{"type":"object","required":["status","database","integrity","integrityProblems"],"properties":{"status":{"enum":["ok","degraded"]},"database":{"enum":["ok","unavailable"]},"integrity":{"enum":["checking","ok","problems"],"description":"启动后在后台运行的 PRAGMA integrity_check 的结论"},"integrityProblems":{"type":"array","items":str_()}}},
"Role":{"enum":["learner","teacher","reviewer","admin"]},
"User":{"type":"object","required":["id","username","displayName","role","createdAt"],"properties":{"id":str_(),"username":str_(),"displayName":str_(),"role":S("Role"),"institution":str_(),"createdAt":str_(format="date-time")}},
"Session":{"type":"object","required":["token","user","expiresAt"],"properties":{"token":str_(),"user":S("User"),"expiresAt":str_(format="date-time")}},
"MajorLevel":{"enum":["中职","高职专科","职业本科"]},
"Major":{"type":"object","required":["code","name","level","role"],"properties":{"code":str_(),"name":str_(),"level":S("MajorLevel"),"role":{"enum":["core","served"]}}},
"MajorInput":{"type":"object","required":["code","role"],"properties":{"code":str_(),"name":{"type":"string","minLength":1,"maxLength":200,"pattern":"\\S"},"level":S("MajorLevel"),"role":{"enum":["core","served"]}}},
"CatalogueMajor":{"type":"object","required":["code","name","level","category","className"],"properties":{"code":str_(),"name":str_(),"level":S("MajorLevel"),"category":str_(),"className":str_()}},
"Course":{"type":"object","required":["id","name","major","category"],"properties":{"id":str_(),"name":str_(),"major":str_(),"category":{"enum":["core","foundation","extension"]},"hours":{"type":"integer"},"standard":str_()}},
"CourseInput":{"type":"object","required":["name","major","category"],"properties":{"id":{"type":"string","pattern":"^[A-Za-z0-9._-]{1,64}$"},"name":{"type":"string","minLength":1,"maxLength":200,"pattern":"\\S"},"major":str_(),"category":{"enum":["core","foundation","extension"]},"hours":{"type":"integer","minimum":0,"maximum":10000},"standard":str_()}},
"KnowledgePoint":{"type":"object","required":["id","name","course","kind","prerequisites"],"properties":{"id":str_(),"name":str_(),"course":str_(),"kind":{"enum":["knowledge","skill"]},"prerequisites":{"type":"array","items":str_()}}},
"KnowledgePointInput":{"type":"object","required":["name","course","kind"],"properties":{"id":{"type":"string","pattern":"^[A-Za-z0-9._-]{1,64}$"},"name":{"type":"string","minLength":1,"maxLength":200,"pattern":"\\S"},"course":str_(),"kind":{"enum":["knowledge","skill"]},"prerequisites":{"type":"array","items":str_()}}},
"ResourceKind":{"enum":["text","image","audio","video","animation","simulation","document","courseware","other"]},
"ResourceStatus":{"enum":["draft","pending","approved","rejected","changes_requested","retired"]},
"ResourceMetadata":{"type":"object","required":["title","major","course","knowledgePoints","original"],"properties":{"title":str_(),"description":str_(),"major":str_(description="专业代码"),"course":str_(description="课程编号"),"knowledgePoints":{"type":"array","minItems":1,"items":str_()},"original":{"type":"boolean"},"kind":S("ResourceKind"),"license":str_(),"tags":{"type":"array","items":str_()},"source":str_()}},
"Resource":{"type":"object","required":["id","version","title","major","course","knowledgePoints","original","kind","mime","size","sha256","canonicalName","status","tags","createdBy","createdAt","updatedAt"],"properties":{"id":str_(format="uuid"),"version":{"type":"integer"},"title":str_(),"description":str_(),"major":str_(),"course":str_(),"knowledgePoints":{"type":"array","items":str_()},"original":{"type":"boolean"},"kind":S("ResourceKind"),"mime":str_(),"size":{"type":"integer"},"sha256":str_(),"canonicalName":str_(description="专业_课程_知识点_类型_原创/引用.ext"),"status":S("ResourceStatus"),"license":str_(),"tags":{"type":"array","items":str_()},"source":str_(),"createdBy":str_(),"createdAt":str_(format="date-time"),"updatedAt":str_(format="date-time")}},
"ResourceVersion":{"type":"object","required":["version","title","kind","mime","size","sha256","canonicalName","createdBy","createdAt","current","published"],"properties":{"version":{"type":"integer"},"title":str_(),"kind":S("ResourceKind"),"mime":str_(),"size":{"type":"integer"},"sha256":str_(),"canonicalName":str_(),"createdBy":str_(),"createdAt":str_(format="date-time"),"current":{"type":"boolean"},"published":{"type":"boolean"}}},
"SearchHit":{"type":"object","required":["id","title","snippet","score","kind","course","major","knowledgePoints","original","status","createdAt","ratings","averageStars"],"properties":{"id":str_(),"title":str_(),"snippet":str_(description="命中处前后的文字，已做 HTML 转义，命中词在 <mark> 中"),"score":{"type":"number"},"kind":S("ResourceKind"),"course":str_(),"major":str_(),"knowledgePoints":{"type":"array","items":str_()},"original":{"type":"boolean"},"status":S("ResourceStatus"),"createdAt":str_(format="date-time"),"ratings":{"type":"integer"},"averageStars":{"type":"number"}}},
"SearchResults":{"type":"object","required":["total","page","pageSize","items","facets"],"properties":{"total":{"type":"integer"},"page":{"type":"integer"},"pageSize":{"type":"integer"},"items":{"type":"array","items":S("SearchHit")},"facets":{"type":"object","required":["kind","course","major","original"],"properties":{k:{"type":"object","additionalProperties":{"type":"integer"}} for k in ["kind","course","major","original"]}}}},
"Related":{"type":"object","required":["id","title","kind","course","score","reasons"],"properties":{"id":str_(),"title":str_(),"kind":S("ResourceKind"),"course":str_(),"score":{"type":"integer"},"reasons":{"type":"array","items":{"enum":["shared_point","neighbouring_point","same_course","co_rated"]}}}},
"Institution":{"type":"object","required":["name","role","accounts"],"properties":{"name":str_(),"role":{"enum":["host","participant"]},"accounts":{"type":"integer"}}},
"Rating":{"type":"object","required":["resource","user","stars","ratedAt"],"properties":{"resource":str_(),"user":str_(),"stars":{"type":"integer","minimum":1,"maximum":5},"comment":str_(),"ratedAt":str_(format="date-time")}},
"Checks":{"type":"object","required":["political","scientific","applicability","normativity"],"properties":{"political":{"type":"boolean","description":"政治性"},"scientific":{"type":"boolean","description":"科学性"},"applicability":{"type":"boolean","description":"适用性"},"normativity":{"type":"boolean","description":"规范性"}}},
"DecisionInput":{"type":"object","required":["decision","checks"],"properties":{"decision":{"enum":["approve","reject","request_changes"]},"checks":S("Checks"),"comment":str_(),"version":{"type":"integer","minimum":1,"description":"只对该版本作出决定"}}},
"Review":{"type":"object","required":["id","itemType","itemId","version","reviewer","decision","checks","decidedAt"],"properties":{"id":{"type":"integer"},"itemType":{"enum":["resource","question"]},"itemId":str_(),"version":{"type":"integer"},"reviewer":str_(),"decision":{"enum":["approve","reject","request_changes"]},"checks":S("Checks"),"comment":str_(),"decidedAt":str_(format="date-time")}},
"Claim":{"type":"object","required":["itemType","itemId","reviewer","claimedAt","expiresAt"],"properties":{"itemType":{"enum":["resource","question"]},"itemId":str_(),"reviewer":str_(),"claimedAt":str_(format="date-time"),"expiresAt":str_(format="date-time")}},
"QueueItem":{"type":"object","required":["itemType","id","version","title","course","author","submittedAt","ageSeconds"],"properties":{"itemType":{"enum":["resource","question"]},"id":str_(),"version":{"type":"integer"},"title":str_(),"kind":S("ResourceKind"),"course":str_(),"author":str_(),"submittedAt":str_(format="date-time"),"ageSeconds":{"type":"integer"},"claimedBy":str_(),"claimExpiresAt":str_(format="date-time")}},
"ReportItem":{"type":"object","required":["type","id","name"],"properties":{"type":str_(),"id":str_(),"name":str_()}},
"ReportRule":{"type":"object","required":["id","title","numerator","denominator","threshold","comparison","pass","items","itemsTotal"],"properties":{"id":{"enum":["text_image_share","original_share","annual_update","core_course_coverage","point_resource_coverage","question_bank_coverage","practical_share","usage_coverage","satisfaction"]},"title":str_(),"value":{"type":["number","null"],"description":"比例（0.3 而非 30）；无数据时为 null"},"numerator":{"type":"integer"},"denominator":{"type":"integer"},"threshold":{"type":"number"},"comparison":{"enum":["<=",">="]},"pass":{"type":"boolean"},"items":{"type":"array","items":S("ReportItem")},"itemsTotal":{"type":"integer"}}},
"ReportTotals":{"type":"object","required":["resources","byKind"],"properties":{"resources":{"type":"integer"},"byKind":{"type":"object","additionalProperties":{"type":"integer"}}}},
"ReportScope":{"type":"object","required":["name","totals","rules"],"properties":{"name":str_(),"totals":S("ReportTotals"),"rules":{"type":"array","items":S("ReportRule")}}},
"MonitoringReport":{"type":"object","required":["year","generatedAt","timeZone","totals","rules","byMajor","byCourse"],"properties":{"year":{"type":"integer"},"generatedAt":str_(format="date-time"),"timeZone":str_(),"totals":S("ReportTotals"),"rules":{"type":"array","items":S("ReportRule")},"byMajor":{"type":"object","additionalProperties":S("ReportScope")},"byCourse":{"type":"object","additionalProperties":S("ReportScope")}}},
"Event":{"type":"object","required":["id","at","action","itemType","itemId"],"properties":{"id":{"type":"integer"},"at":str_(format="date-time"),"actor":str_(),"action":str_(),"itemType":str_(),"itemId":str_(),"before":{},"after":{}}},
}
doc={"openapi":"3.1.0","info":{"title":"Granary 职业教育专业教学资源库 API","version":"1.0.0","description":"错误一律为 application/problem+json，带稳定的 code；title 与 detail 默认简体中文，Accept-Language 偏好英文时为英文。"},
"servers":[{"url":"/api/v1"}],"paths":paths,"components":{"schemas":schemas,"securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}}}}
import os
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, '..', '..', 'Metadata', 'openapi.json'), 'w') as f:
    json.dump(doc, f, ensure_ascii=False, indent=1)
