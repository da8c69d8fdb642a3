# c1: λ_max against training loss, GD and USAM at η = 0.5, instance 11
# Re-plot with `gnuplot c1-loss-and-sharpness.gp` in this folder; the data is in c1-loss-and-sharpness.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c1-loss-and-sharpness.svg"
set title "c1: λ_max against training loss, GD and USAM at η = 0.5, instance 11"
set xlabel "training loss"
set ylabel "λ_max"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 10
set format x "%g"
plot "c1-loss-and-sharpness.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "GD", \
     "c1-loss-and-sharpness.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "USAM ρ = 0.5"
