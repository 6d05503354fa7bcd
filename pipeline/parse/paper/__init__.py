"""Paper returns: scanned and photographed pages read into the same Layout the PDF reader gives.

``clean`` straightens and evens out a page with OpenCV, ``grid`` finds the ruled tables and their
cells, ``read`` has an OCR engine (:mod:`pipeline._exec.ocr`) read every cell and the lines outside
the tables. The form logic (:mod:`pipeline.parse.form`) then matches, reads the header and places
levels exactly as for a Word or PDF return; the QR code's form id chooses the definition.
"""
