# Change in the criteria against the change in accuracy under a shift
# Re-plot with `gnuplot criteria-vs-accuracy.gp` in this folder; the data is in criteria-vs-accuracy.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "criteria-vs-accuracy.svg"
set title "Change in the criteria against the change in accuracy under a shift"
set xlabel "Δ accuracy (shifted − clean)"
set ylabel "Δ criterion"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "criteria-vs-accuracy.dat" index 0 using 1:2 with points pt 7 ps 0.8 lc rgb "#1f77b4" title "ΔKh_½ (ρ = -0.132)", \
     "criteria-vs-accuracy.dat" index 1 using 1:2 with points pt 7 ps 0.8 lc rgb "#ff7f0e" title "Δre (ρ = 0.0732)"
