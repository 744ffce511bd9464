"""``<data>`` (VoiceXML 2.1 §5): fetch XML and expose it as a read-only DOM."""



from vxml_browser.testing.call import Call, vxml

XML = ('<?xml version="1.0"?><quote symbol="ACME" market="nyse">'
       "<name>Acme Corp</name><price>12.5</price><price>13</price></quote>")


def data(body: str, attrs: str = 'src="quote.xml"', resource: str | tuple[int, ...] = XML) -> Call:
    return Call({
        "main.vxml": vxml(f'<form><block><data name="d" {attrs}/>{body}</block></form>'),
        "quote.xml": resource,
    })


def test_data_document_element_name():
    call = data('<log expr="d.documentElement.nodeName"/>')
    call.logs("quote")


def test_data_attributes():
    call = data('<log expr="d.documentElement.getAttribute(\'symbol\')"/>'
                "<log expr=\"d.documentElement.attributes.getNamedItem('market').value\"/>")
    assert call.log_texts == ["ACME", "nyse"]


def test_data_get_elements_by_tag_name():
    call = data('<var name="p" expr="d.getElementsByTagName(\'price\')"/>'
                '<log expr="p.length + \':\' + p.item(1).firstChild.data"/>')
    call.logs("2:13")


def test_data_text_of_an_element():
    call = data('<log expr="d.documentElement.firstChild.firstChild.nodeValue"/>')
    call.logs("Acme Corp")


def test_data_node_types():
    call = data('<log expr="d.nodeType + \' \' + d.documentElement.nodeType + \' \' + '
                'd.documentElement.firstChild.firstChild.nodeType"/>')
    call.logs("9 1 3")


def test_data_missing_attribute_is_empty_string():
    call = data("<log expr=\"'[' + d.documentElement.getAttribute('nosuch') + ']'\"/>")
    call.logs("[]")


def test_data_fetch_is_a_data_fetch():
    call = data("")
    request = call.requests[-1]
    assert (request.uri, request.kind, request.method) == ("http://test/quote.xml", "data", "GET")


def test_data_namelist_is_sent():
    call = Call({
        "main.vxml": vxml('<form><block><var name="sym" expr="\'ACME\'"/>'
                          '<data name="d" src="quote.xml" namelist="sym" method="post"/></block></form>'),
        "quote.xml": XML,
    })
    request = call.requests[-1]
    assert (request.method, request.params) == ("POST", (("sym", "ACME"),))


def test_data_srcexpr():
    call = data('<log expr="d.documentElement.nodeName"/>', attrs="srcexpr=\"'quote' + '.xml'\"")
    call.logs("quote")


def test_data_missing_resource_is_error_badfetch_http_404():
    call = data("", attrs='src="nosuch.xml"')
    call.error("error.badfetch.http.404")


def test_data_malformed_xml_is_error_badfetch():
    call = data("", resource="<quote><unclosed></quote>")
    call.error("error.badfetch")


def test_data_in_the_document_is_run_at_document_initialization():
    call = Call({
        "main.vxml": vxml('<data name="d" src="quote.xml"/>'
                          '<form><block><log expr="document.d.documentElement.nodeName"/></block></form>'),
        "quote.xml": XML,
    })
    call.logs("quote")


def test_data_in_the_form_is_run_at_form_initialization():
    call = Call({
        "main.vxml": vxml('<form><data name="d" src="quote.xml"/>'
                          '<block><log expr="dialog.d.documentElement.nodeName"/></block></form>'),
        "quote.xml": XML,
    })
    call.logs("quote")


def test_data_in_a_block_is_an_anonymous_scope_variable():
    call = Call({
        "main.vxml": vxml('<form><block><data name="d" src="quote.xml"/></block>'
                          '<block><log expr="typeof d"/></block></form>'),
        "quote.xml": XML,
    })
    call.logs("undefined")


NS_XML = ('<?xml version="1.0"?><r xmlns:x="urn:x" x:id="7" plain="p"><x:item>a</x:item>'
          "<item>hello</item></r>")


def ns_data(expr: str) -> Call:
    return Call({"main.vxml": vxml(f'<form><block><data name="d" src="ns.xml"/><log expr="{expr}"/></block></form>'),
                 "ns.xml": NS_XML})


def test_data_elements_by_namespace():
    call = ns_data("d.getElementsByTagNameNS('urn:x', 'item').length + ' ' + "
                   "d.getElementsByTagName('x:item').item(0).localName")
    call.logs("1 item")


def test_data_get_attribute_by_qualified_name():
    call = ns_data("d.documentElement.getAttribute('x:id') + '|' + d.documentElement.getAttribute('id')")
    call.logs("7|")


def test_data_namespace_and_character_data_methods():
    call = ns_data("d.documentElement.getAttributeNS('urn:x', 'id') + ' ' + "
                   "d.documentElement.hasAttributeNS('urn:x', 'id') + ' ' + "
                   "d.documentElement.attributes.getNamedItemNS('urn:x', 'id').value + ' ' + "
                   "d.getElementsByTagName('item').item(0).firstChild.length + ' ' + "
                   "d.getElementsByTagName('item').item(0).firstChild.substringData(1, 3)")
    call.logs("7 true 7 5 ell")
