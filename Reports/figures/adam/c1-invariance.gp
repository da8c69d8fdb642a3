# Trajectory deviation under diagonal gradient rescaling
# Re-plot with `gnuplot c1-invariance.gp` in this folder; the data is in c1-invariance.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c1-invariance.svg"
set title "Trajectory deviation under diagonal gradient rescaling"
set xlabel "step"
set ylabel "max-norm deviation / distance travelled (floor 1e-12)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "c1-invariance.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "SGD + momentum, c ∈ [1e-2, 1e2]", \
     "c1-invariance.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "Adam ε = 1e-8, c ∈ [1e-2, 1e2]", \
     "c1-invariance.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "Adam ε ≈ 0, c ∈ [1e-2, 1e2]", \
     "c1-invariance.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "Adam ε ≈ 0, c = powers of two"
