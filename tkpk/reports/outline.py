"""The default LP2KD outline and Matriks 1 questions (seeded by the data migration).

The regulation's outline of the LP2KD is not fixed in our sources (Permendagri 53/2020 names the
report, not its chapters), so this is a sensible default that the secretariat edits in admin."""

DEFAULT_OUTLINE: list[tuple[str, str, str]] = [
    (
        "Pendahuluan",
        "text",
        "Laporan Pelaksanaan Penanggulangan Kemiskinan Daerah (LP2KD) disusun oleh Tim "
        "Koordinasi Penanggulangan Kemiskinan sebagai pertanggungjawaban pelaksanaan Rencana "
        "Aksi Tahunan penanggulangan kemiskinan dan bahan perencanaan tahun berikutnya.",
    ),
    ("Kondisi Makro Kemiskinan Daerah", "macro", ""),
    ("Kinerja Program Penanggulangan Kemiskinan", "performance", ""),
    ("Cakupan Data Sasaran Prioritas", "coverage", ""),
    ("Permasalahan dan Tindak Lanjut", "problems", ""),
    ("Rekomendasi", "recommendations", ""),
    (
        "Penutup",
        "text",
        "Temuan dan rekomendasi laporan ini menjadi masukan rancangan awal Rencana Aksi Tahunan "
        "berikutnya.",
    ),
]

DEFAULT_PPKE_QUESTIONS: list[str] = [
    "Apakah pemerintah daerah telah menetapkan sasaran penerima program percepatan penghapusan "
    "kemiskinan ekstrem berdasarkan data sasaran prioritas (DTSEN/P3KE)? Jelaskan.",
    "Program dan kegiatan apa saja yang dilaksanakan pada triwulan ini untuk mengurangi beban "
    "pengeluaran masyarakat miskin ekstrem?",
    "Program dan kegiatan apa saja yang dilaksanakan untuk meningkatkan pendapatan masyarakat "
    "miskin ekstrem?",
    "Upaya apa yang dilakukan untuk mengurangi jumlah kantong-kantong kemiskinan?",
    "Bagaimana keterpaduan dan sinergi program antarperangkat daerah serta dengan pemerintah "
    "pusat, dunia usaha dan masyarakat?",
    "Berapa jumlah penerima manfaat yang telah dijangkau program pada triwulan ini?",
    "Apa kendala atau permasalahan yang dihadapi dalam pelaksanaan triwulan ini?",
    "Apa rencana tindak lanjut untuk triwulan berikutnya?",
]
