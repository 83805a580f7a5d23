package dev.breaklab.workshop;

import io.nayuki.qrcodegen.QrCode;

/** The join link as a QR code to project: an SVG drawn from the code's modules, four modules of margin. */
final class JoinQr {

    private static final int BORDER = 4;

    private JoinQr() {}

    static String svg(String joinUrl) {
        QrCode qr = QrCode.encodeText(joinUrl, QrCode.Ecc.MEDIUM);
        int size = qr.size + 2 * BORDER;
        StringBuilder path = new StringBuilder();
        for (int y = 0; y < qr.size; y++) {
            for (int x = 0; x < qr.size; x++) {
                if (qr.getModule(x, y)) {
                    path.append('M')
                            .append(x + BORDER)
                            .append(',')
                            .append(y + BORDER)
                            .append("h1v1h-1z");
                }
            }
        }
        // The link is in the title (escaped): screen readers and a right-click show where it leads.
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 " + size + " " + size
                + "\" shape-rendering=\"crispEdges\"><title>" + escape(joinUrl) + "</title>"
                + "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/><path d=\"" + path
                + "\" fill=\"#000000\"/></svg>\n";
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
