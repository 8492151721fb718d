# gnuplot: one heatmap of a `wca-scheduler simulate --csv` result.
#   gnuplot -e "in='matrix.dat'; out='x.png'; title='LeastUsedBAR'" heatmap.gp
# matrix.dat: a header line "node dim1 dim2 ..." then one line per node,
# utilisation as fractions (heatmap.sh makes it from the CSV).
set terminal pngcairo size 640,480 font ",10" noenhanced
set output out
set title title
set datafile separator whitespace
set cbrange [0:1]
set cblabel "utilisation"
set palette defined (0 "#f7fbff", 0.5 "#6baed6", 0.8 "#fd8d3c", 1 "#a50f15")
set xtics rotate by -45
set ylabel "node"
unset key
plot in matrix rowheaders columnheaders using 1:2:3 with image
