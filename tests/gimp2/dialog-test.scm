; Interactive run of Inpaint under Xvfb (GIMP 2.10 Script-Fu): the
; plug-in saves its dialog ($RECTIFY_DIALOG_SCREENSHOT) and presses OK
; ($RECTIFY_DIALOG_ACCEPT), then saves its progress window once a step
; preview shows ($RECTIFY_PROGRESS_SCREENSHOT) and presses Cancel
; ($RECTIFY_PROGRESS_CANCEL). Prints "RESULT dialog <ran|failed> <layers>
; <returned>" where returned is the seed, or "none" (Script-Fu 2.10 returns
; nothing and raises no error for GIMP_PDB_CANCEL; an error raises).
(let* ((image (car (gimp-image-new 64 48 RGB)))
       (layer (car (gimp-layer-new image 64 48 RGBA-IMAGE "base" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer image layer 0 0)
  (gimp-drawable-fill layer FILL-WHITE)
  (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 16 12 32 24)
  (let* ((ret #f)
         (r (catch 'failed
              (set! ret (plug-in-rectify-inpaint RUN-INTERACTIVE image layer "a red ball" ""
                                                 0 -1 "" "cpu" FALSE 1.0))
              'ran)))
    (display (string-append "RESULT dialog " (if (eq? r 'ran) "ran" "failed") " "
                            (number->string (car (gimp-image-get-layers image))) " "
                            (if (and (pair? ret) (number? (car ret)))
                                (number->string (car ret)) "none")))
    (newline)))
(gimp-quit 0)
