#!/usr/bin/env python3
"""Writes the question-media fixtures (standard library only; run from this folder):

- ../welding-media-qti.zip: a QTI 2.1 content package whose items show files. items/bead.xml: a picture in the stem
  and a picture as each of two options (paths relative to the item), a picture in the analysis; items/arc.xml: a film
  as an object, a picture the package lacks, a PDF given as a picture, and a path that leaves the package.
- ../welding-media-moodle.xml: Moodle XML with the files inside (base64, @@PLUGINFILE@@), as Moodle 4 exports them:
  a picture in the question text, one in an answer and one in the general feedback, and a data: URL picture.
"""
import base64
import struct
import zipfile
import zlib

def png(width, height, rgb):
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))

BEAD, PORE, CRACK, SPATTER = png(40, 30, (200, 120, 40)), png(24, 24, (60, 60, 60)), png(24, 24, (20, 20, 160)), png(16, 8, (250, 0, 0))
FILM = open("../../weld-demo.mp4", "rb").read()
PDF = open("../../wps.pdf", "rb").read()
NS = 'xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"'

BEAD_ITEM = f"""<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem {NS} identifier="bead" title="焊缝缺陷" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <correctResponse><value>pore</value></correctResponse>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>
    <p>下图焊缝中的缺陷是哪一种？</p>
    <p><img src="../images/bead.png" alt="焊缝照片" width="40" height="30"/></p>
    <choiceInteraction responseIdentifier="RESPONSE" shuffle="false" maxChoices="1">
      <simpleChoice identifier="pore"><img src="../images/pore.png" alt="气孔"/></simpleChoice>
      <simpleChoice identifier="crack"><img src="../images/crack%20x.png" alt="裂纹"/></simpleChoice>
      <simpleChoice identifier="none">没有缺陷</simpleChoice>
    </choiceInteraction>
  </itemBody>
  <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"/>
  <modalFeedback outcomeIdentifier="SCORE" showHide="show" identifier="x">气孔呈圆形：<img src="../images/pore.png" alt="气孔"/></modalFeedback>
</assessmentItem>
"""

ARC_ITEM = f"""<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem {NS} identifier="arc" title="电弧" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string">
    <correctResponse><value>短路</value></correctResponse>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>
    <p>看视频：<object data="../media/arc.mp4" type="video/mp4"/></p>
    <p>参考图：<img src="../images/missing.png" alt="缺少的图"/> 讲义：<img src="../images/notes.pdf" alt="讲义"/> <img src="../../../etc/passwd" alt=""/></p>
    <p>视频中熔滴过渡的形式是 <textEntryInteraction responseIdentifier="RESPONSE"/> 过渡。</p>
  </itemBody>
  <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"/>
</assessmentItem>
"""

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="media-package">
  <organizations/>
  <resources>
    <resource identifier="bead" type="imsqti_item_xmlv2p1" href="items/bead.xml">
      <file href="items/bead.xml"/><file href="images/bead.png"/><file href="images/pore.png"/><file href="images/crack x.png"/>
    </resource>
    <resource identifier="arc" type="imsqti_item_xmlv2p1" href="items/arc.xml">
      <file href="items/arc.xml"/><file href="media/arc.mp4"/><file href="images/notes.pdf"/>
    </resource>
  </resources>
</manifest>
"""

with zipfile.ZipFile("../welding-media-qti.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for name, data in [("imsmanifest.xml", MANIFEST), ("items/bead.xml", BEAD_ITEM), ("items/arc.xml", ARC_ITEM),
                       ("images/bead.png", BEAD), ("images/pore.png", PORE), ("images/crack x.png", CRACK),
                       ("media/arc.mp4", FILM), ("images/notes.pdf", PDF)]:
        info = zipfile.ZipInfo(name, date_time=(2026, 12, 4, 12, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)

def b64(data):
    return base64.b64encode(data).decode()

MOODLE = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/焊接方法与设备/焊接电弧</text></category></question>
  <question type="multichoice">
    <name><text>飞溅</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>图中的现象是：</p><p><img src="@@PLUGINFILE@@/spatter%20photo.png" alt="飞溅" width="16" height="8" class="img-fluid"></p>]]></text>
      <file name="spatter photo.png" path="/" encoding="base64">{b64(SPATTER)}</file>
    </questiontext>
    <generalfeedback format="html">
      <text><![CDATA[<p>对照：<img src="@@PLUGINFILE@@/bead.png" alt=""></p>]]></text>
      <file name="bead.png" path="/" encoding="base64">{b64(BEAD)}</file>
    </generalfeedback>
    <defaultgrade>2</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <single>true</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <answer fraction="100" format="html"><text><![CDATA[<p>飞溅</p>]]></text></answer>
    <answer fraction="0" format="html">
      <text><![CDATA[<p><img src="@@PLUGINFILE@@/pore.png" alt="气孔"></p>]]></text>
      <file name="pore.png" path="/" encoding="base64">{b64(PORE)}</file>
    </answer>
    <answer fraction="0" format="html"><text><![CDATA[<p><img src="data:image/png;base64,{b64(CRACK)}" alt="裂纹"></p>]]></text></answer>
  </question>
</quiz>
"""
open("../welding-media-moodle.xml", "w", encoding="utf-8").write(MOODLE)
