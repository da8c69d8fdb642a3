# Diagnostic: iterations to ε against κ (r = 6)
# Re-plot with `gnuplot diagnostic-step-size.gp` in this folder; the data is in diagnostic-step-size.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "diagnostic-step-size.svg"
set title "Diagnostic: iterations to ε against κ (r = 6)"
set xlabel "condition number κ"
set ylabel "iterations to ε (mean over seeds)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 10
set format x "%g"
set logscale y 10
set format y "%g"
plot "diagnostic-step-size.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "ScaledGD(λ) η=0.03, m=1000nr⋆", \
     "diagnostic-step-size.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "ScaledGD(λ) η=0.1, m=1000nr⋆", \
     "diagnostic-step-size.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "ScaledGD(λ) η=0.3, m=1000nr⋆", \
     "diagnostic-step-size.dat" index 3 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#d62728" title "ScaledGD(λ) η=0.7 (tuned), m=1000nr⋆", \
     "diagnostic-step-size.dat" index 4 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#9467bd" title "GD η=0.7 (tuned), m=1000nr⋆", \
     "diagnostic-step-size.dat" index 5 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#8c564b" title "ScaledGD(λ) η=0.03, m=∞", \
     "diagnostic-step-size.dat" index 6 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#e377c2" title "ScaledGD(λ) η=0.1, m=∞", \
     "diagnostic-step-size.dat" index 7 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#7f7f7f" title "ScaledGD(λ) η=0.3, m=∞", \
     "diagnostic-step-size.dat" index 8 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#bcbd22" title "ScaledGD(λ) η=0.7 (tuned), m=∞", \
     "diagnostic-step-size.dat" index 9 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#17becf" title "GD η=0.7 (tuned), m=∞", \
     8000.0 with lines dt 2 lw 1.5 lc rgb "black" title "iteration budget"
