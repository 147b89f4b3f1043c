; Opens the Inpaint dialog (interactive run mode) under Xvfb; the plug-in
; saves a screenshot to $RECTIFY_DIALOG_SCREENSHOT and presses OK
; ($RECTIFY_DIALOG_ACCEPT), then saves its progress window once a step
; preview shows ($RECTIFY_PROGRESS_SCREENSHOT) and presses Cancel
; ($RECTIFY_PROGRESS_CANCEL). Prints "RESULT dialog <ran|failed> <layers>".
(script-fu-use-v3)
(let* ((image (gimp-image-new 64 48 RGB))
       (layer (gimp-layer-new image "base" 64 48 RGBA-IMAGE 100 LAYER-MODE-NORMAL)))
  (gimp-image-insert-layer image layer 0 0)
  (gimp-drawable-fill layer FILL-WHITE)
  (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 16 12 32 24)
  (let ((r (catch 'failed
             (plug-in-rectify-inpaint #:run-mode RUN-INTERACTIVE #:image image
                                      #:drawables (vector layer))
             'ran)))
    (display (string-append "RESULT dialog " (if (eq? r 'ran) "ran" "failed") " "
                            (number->string (vector-length (gimp-image-get-layers image)))))
    (newline)))
(gimp-quit 0)
