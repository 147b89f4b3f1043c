; Headless check of the Rectify procedures (GIMP 2.10 Script-Fu): each
; runs non-interactively on a white layer with a feathered selection.
; Prints "RESULT <proc> <layers before> <layers after> <corner> <center>
; <source center> <seed returned> <seed parasite> <layer name>" for the
; driver script to judge.
(define (pixel-string drawable x y)
  (let ((c (cadr (gimp-drawable-get-pixel drawable x y))))
    (string-append (number->string (vector-ref c 0)) ","
                   (number->string (vector-ref c 1)) ","
                   (number->string (vector-ref c 2)))))
(define (check-proc name proc)
  (let* ((image (car (gimp-image-new 64 48 RGB)))
         (layer (car (gimp-layer-new image 64 48 RGBA-IMAGE "base" 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer image layer 0 0)
    (gimp-drawable-fill layer FILL-WHITE)
    (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 16 12 32 24)
    (gimp-selection-feather image 6)
    (let* ((before (car (gimp-image-get-layers image)))
           (seed (car (proc image layer)))
           (layers (gimp-image-get-layers image))
           (top (vector-ref (cadr layers) 0))
           (parasite (catch #f (car (gimp-item-get-parasite top "rectify-seed")))))
      (display (string-append "RESULT " name " " (number->string before) " "
                              (number->string (car layers)) " "
                              (pixel-string top 1 1) " " (pixel-string top 32 24)
                              " " (pixel-string layer 32 24) " " (number->string seed) " "
                              (if (pair? parasite)
                                  (let ((d (caddr parasite)))
                                    (if (string? d) d "bytes"))
                                  "none")
                              " " (car (gimp-item-get-name top))))
      (newline))))
(check-proc "inpaint"
  (lambda (image layer)
    (plug-in-rectify-inpaint RUN-NONINTERACTIVE image layer "a red ball" "" 2 7 "" "cpu" FALSE
                             1.0)))
;  the last share of the steps only (strength 0.5 of 4: 2 steps)
(check-proc "inpaint-strength"
  (lambda (image layer)
    (plug-in-rectify-inpaint RUN-NONINTERACTIVE image layer "a red ball" "" 4 7 "" "cpu" FALSE
                             0.5)))
(check-proc "edit"
  (lambda (image layer)
    (plug-in-rectify-edit RUN-NONINTERACTIVE image layer "a blue wall" "a white wall" 2 3 ""
                          "cpu" FALSE)))
(check-proc "generate"
  (lambda (image layer)
    (plug-in-rectify-generate RUN-NONINTERACTIVE image layer "a cat" "" 2 5 "" "cpu" FALSE)))
; a layer with offsets: layer (1,1) is outside the selection, layer (22,16)
; is image (32,24), its centre; the new layer must sit at the same offsets
(let* ((image (car (gimp-image-new 64 48 RGB)))
       (layer (car (gimp-layer-new image 40 30 RGBA-IMAGE "base" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer image layer 0 0)
  (gimp-layer-set-offsets layer 10 8)
  (gimp-drawable-fill layer FILL-WHITE)
  (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 16 12 32 24)
  (gimp-selection-feather image 6)
  (plug-in-rectify-inpaint RUN-NONINTERACTIVE image layer "a red ball" "" 2 7 "" "cpu" FALSE
                             1.0)
  (let* ((top (vector-ref (cadr (gimp-image-get-layers image)) 0))
         (off (gimp-drawable-offsets top)))
    (display (string-append "RESULT offsets " (number->string (car off)) ","
                            (number->string (cadr off)) " " (pixel-string top 1 1) " "
                            (pixel-string top 22 16)))
    (newline)))
; no selection: inpaint must fail (and add no layer)
(let* ((image (car (gimp-image-new 32 32 RGB)))
       (layer (car (gimp-layer-new image 32 32 RGBA-IMAGE "base" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer image layer 0 0)
  (let ((r (catch 'failed
             (plug-in-rectify-inpaint RUN-NONINTERACTIVE image layer "x" "" 2 7 "" "cpu" FALSE 1.0)
             'ran)))
    (display (string-append "RESULT noselection "
                            (if (eq? r 'ran) "ran" "failed") " "
                            (number->string (car (gimp-image-get-layers image)))))
    (newline)))
; a strength out of range: refused with the pipeline's message, no layer
(let* ((image (car (gimp-image-new 32 32 RGB)))
       (layer (car (gimp-layer-new image 32 32 RGBA-IMAGE "base" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer image layer 0 0)
  (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 8 8 16 16)
  (let ((r (catch 'failed
             (plug-in-rectify-inpaint RUN-NONINTERACTIVE image layer "x" "" 2 7 "" "cpu" FALSE
                                      1.5)
             'ran)))
    (display (string-append "RESULT badstrength "
                            (if (eq? r 'ran) "ran" "failed") " "
                            (number->string (car (gimp-image-get-layers image)))))
    (newline)))
(gimp-quit 0)
