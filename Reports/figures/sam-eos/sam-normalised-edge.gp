# Diagnostic: normalised SAM against its gradient-norm edge, instance 11
# Re-plot with `gnuplot sam-normalised-edge.gp` in this folder; the data is in sam-normalised-edge.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "sam-normalised-edge.svg"
set title "Diagnostic: normalised SAM against its gradient-norm edge, instance 11"
set xlabel "step"
set ylabel "λ_max"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "sam-normalised-edge.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "SAM λ_max", \
     "sam-normalised-edge.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "edge: root of ηλ(1+ρλ/‖∇L‖) = 2", \
     "sam-normalised-edge.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "2/η"
