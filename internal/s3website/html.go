package s3website

import (
	"html"
	"net/http"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// errorPage is S3's HTML error document for err, as website endpoints
// answer (observed responses, see docs/website.md):
//
//	<html>
//	<head><title>404 Not Found</title></head>
//	<body>
//	<h1>404 Not Found</h1>
//	<ul>
//	<li>Code: NoSuchKey</li>
//	<li>Message: The specified key does not exist.</li>
//	<li>Key: a/b</li>
//	<li>RequestId: 4HBZ2A0J26R1AB4S</li>
//	<li>HostId: ...</li>
//	</ul>
//	<hr/>
//	</body>
//	</html>
//
// err's fields (Key, BucketName, Method, ResourceType, Endpoint, ...) are
// listed between Message and RequestId. When the error document could not
// be served either, docErr follows under "An Error Occurred While
// Attempting to Retrieve a Custom Error Document", with Code, Message and
// its own fields (Key for NoSuchKey), without RequestId and HostId.
func errorPage(err *awsapi.Error, requestID string, docErr *awsapi.Error) []byte {
	var b strings.Builder
	title := strconv.Itoa(err.Status) + " " + http.StatusText(err.Status)
	b.WriteString("<html>\n<head><title>")
	b.WriteString(title)
	b.WriteString("</title></head>\n<body>\n<h1>")
	b.WriteString(title)
	b.WriteString("</h1>\n<ul>\n")
	listError(&b, err)
	item(&b, "RequestId", requestID)
	item(&b, "HostId", awsapi.HostID(requestID))
	b.WriteString("</ul>\n")
	if docErr != nil {
		b.WriteString("<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n")
		listError(&b, docErr)
		b.WriteString("</ul>\n")
	}
	b.WriteString("<hr/>\n</body>\n</html>\n")
	return []byte(b.String())
}

func listError(b *strings.Builder, err *awsapi.Error) {
	item(b, "Code", err.Code)
	item(b, "Message", err.Message)
	for _, f := range err.Fields {
		item(b, f.Name, f.Value)
	}
}

func item(b *strings.Builder, name, value string) {
	b.WriteString("<li>")
	b.WriteString(name)
	b.WriteString(": ")
	b.WriteString(html.EscapeString(value))
	b.WriteString("</li>\n")
}

// setErrorHeaders sets the headers S3 website endpoints put on an error
// answer, whether the HTML page or the custom error document is sent:
// x-amz-error-code, x-amz-error-message and, for NoSuchKey,
// x-amz-error-detail-Key (observed responses).
func setErrorHeaders(h http.Header, err *awsapi.Error) {
	h.Set("X-Amz-Error-Code", err.Code)
	h.Set("X-Amz-Error-Message", err.Message)
	if k := err.Field("Key"); k != "" && err.Code == "NoSuchKey" {
		h.Set("X-Amz-Error-Detail-Key", k)
	}
}
