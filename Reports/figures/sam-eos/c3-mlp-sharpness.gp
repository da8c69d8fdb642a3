# c3: λ_max of the MLP on digits, full batch
# Re-plot with `gnuplot c3-mlp-sharpness.gp` in this folder; the data is in c3-mlp-sharpness.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c3-mlp-sharpness.svg"
set title "c3: λ_max of the MLP on digits, full batch"
set xlabel "step"
set ylabel "λ_max"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "c3-mlp-sharpness.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "c3-mlp-sharpness.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "GD", \
     "c3-mlp-sharpness.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "c3-mlp-sharpness.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "SAM ρ = 0.1", \
     "c3-mlp-sharpness.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "2/η"
