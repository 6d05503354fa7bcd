"""The archive package for filing (归档): a BagIt bag plus its reproducible zip, checked by ``verify``.

:mod:`.build` assembles the bag, :mod:`.catalogue` writes the DA/T 22-2015 归档文件目录,
:mod:`.stamp` draws the 归档章, :mod:`.pdfa` makes and keeps the PDF/A-2b copies, :mod:`.names`
holds the file-name rules, :mod:`.zipfile_writer` the reproducible zip, :mod:`.safezip` refuses
hostile zips, and :mod:`.verify` runs the DA/T 70-2018 四性检测 without the workspace.
"""
