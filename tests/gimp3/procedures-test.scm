; Headless check of the Rectify procedures (GIMP 3 Script-Fu, v3 API):
; each runs non-interactively on a white layer with a feathered selection.
; Prints "RESULT <proc> <layers before> <layers after> <corner> <center>
; <source center> <seed returned> <seed parasite> <layer name>" for the
; driver script to judge (corner is outside the selection).
(script-fu-use-v3)
(define (pixel-string drawable x y)
  (let ((c (gimp-drawable-get-pixel drawable x y)))
    (string-append (number->string (list-ref c 0)) ","
                   (number->string (list-ref c 1)) ","
                   (number->string (list-ref c 2)))))
(define (to-string v)
  (cond ((string? v) v)
        ((number? v) (number->string v))
        ((vector? v) (to-string (vector->list v)))
        ((pair? v) (if (number? (car v))
                       (list->string (map integer->char
                                          (let loop ((l v))
                                            (cond ((null? l) '())
                                                  ((= (car l) 0) '())
                                                  (else (cons (car l) (loop (cdr l))))))))
                       (to-string (car v))))
        (else "none")))
(define (parasite-data item)
  (let ((p (catch #f (gimp-item-get-parasite item "rectify-seed"))))
    (if (and (pair? p) (pair? (cddr p))) (to-string (caddr p)) "none")))
(define (check-proc name proc)
  (let* ((image (gimp-image-new 64 48 RGB))
         (layer (gimp-layer-new image "base" 64 48 RGBA-IMAGE 100 LAYER-MODE-NORMAL)))
    (gimp-image-insert-layer image layer 0 0)
    (gimp-drawable-fill layer FILL-WHITE)
    (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 16 12 32 24)
    (gimp-selection-feather image 6)
    (let* ((before (vector-length (gimp-image-get-layers image)))
           (seed (proc image layer))
           (layers (gimp-image-get-layers image))
           (top (vector-ref layers 0)))
      (display (string-append "RESULT " name " " (number->string before) " "
                              (number->string (vector-length layers)) " "
                              (pixel-string top 1 1) " " (pixel-string top 32 24)
                              " " (pixel-string layer 32 24) " " (to-string seed) " "
                              (parasite-data top) " " (gimp-item-get-name top)))
      (newline))))
(check-proc "inpaint"
  (lambda (image layer)
    (plug-in-rectify-inpaint #:run-mode RUN-NONINTERACTIVE #:image image
                             #:drawables (vector layer) #:prompt "a red ball"
                             #:steps 2 #:seed 7 #:device "cpu")))
;  the last share of the steps only (strength 0.5 of 4: 2 steps)
(check-proc "inpaint-strength"
  (lambda (image layer)
    (plug-in-rectify-inpaint #:run-mode RUN-NONINTERACTIVE #:image image
                             #:drawables (vector layer) #:prompt "a red ball"
                             #:steps 4 #:seed 7 #:device "cpu" #:strength 0.5)))
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
