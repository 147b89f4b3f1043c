; Headless check of the Rectify procedures (GIMP 3 Script-Fu, v3 API):
; each runs non-interactively on a white layer with a feathered selection.
; Prints "RESULT <proc> <layers before> <layers after> <corner> <center>"
; for the driver script to judge (corner is outside the selection).
(script-fu-use-v3)
(define (pixel-string drawable x y)
  (let ((c (gimp-drawable-get-pixel drawable x y)))
    (string-append (number->string (list-ref c 0)) ","
                   (number->string (list-ref c 1)) ","
                   (number->string (list-ref c 2)))))
(define (check-proc name proc)
  (let* ((image (gimp-image-new 64 48 RGB))
         (layer (gimp-layer-new image "base" 64 48 RGBA-IMAGE 100 LAYER-MODE-NORMAL)))
    (gimp-image-insert-layer image layer 0 0)
    (gimp-drawable-fill layer FILL-WHITE)
    (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 16 12 32 24)
    (gimp-selection-feather image 6)
    (let ((before (vector-length (gimp-image-get-layers image))))
      (proc image layer)
      (let* ((layers (gimp-image-get-layers image))
             (top (vector-ref layers 0)))
        (display (string-append "RESULT " name " " (number->string before) " "
                                (number->string (vector-length layers)) " "
                                (pixel-string top 1 1) " " (pixel-string top 32 24)
                                " " (pixel-string layer 32 24)))
        (newline)))))
(check-proc "inpaint"
  (lambda (image layer)
    (plug-in-rectify-inpaint #:run-mode RUN-NONINTERACTIVE #:image image
                             #:drawables (vector layer) #:prompt "a red ball"
                             #:steps 2 #:seed 7 #:device "cpu")))
(check-proc "edit"
  (lambda (image layer)
    (plug-in-rectify-edit #:run-mode RUN-NONINTERACTIVE #:image image
                          #:drawables (vector layer) #:prompt "a blue wall"
                          #:source-prompt "a white wall" #:steps 2 #:seed 3 #:device "cpu")))
(check-proc "generate"
  (lambda (image layer)
    (plug-in-rectify-generate #:run-mode RUN-NONINTERACTIVE #:image image
                              #:drawables (vector layer) #:prompt "a cat"
                              #:steps 2 #:seed 5 #:device "cpu")))
(gimp-quit 0)
