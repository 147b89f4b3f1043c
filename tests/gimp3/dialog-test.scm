; Opens the Inpaint dialog (interactive run mode) under Xvfb; the plug-in
; saves a screenshot to $RECTIFY_DIALOG_SCREENSHOT and cancels.
(script-fu-use-v3)
(let* ((image (gimp-image-new 64 48 RGB))
       (layer (gimp-layer-new image "base" 64 48 RGBA-IMAGE 100 LAYER-MODE-NORMAL)))
  (gimp-image-insert-layer image layer 0 0)
  (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 16 12 32 24)
  (plug-in-rectify-inpaint #:run-mode RUN-INTERACTIVE #:image image
                           #:drawables (vector layer)))
(gimp-quit 0)
